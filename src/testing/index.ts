export { describeLockStoreContract } from './store-contract';
export type { StoreContractOptions, StoreFactory, TestApi } from './store-contract';
