import { removePackedLibrary } from './packed-library';

export default removePackedLibrary;
