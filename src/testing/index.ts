export { lockStoreContract } from './store-contract';
export type {
  ContractCase,
  StoreCapability,
  StoreContractOptions,
  StoreFactory,
} from './contract-case';
