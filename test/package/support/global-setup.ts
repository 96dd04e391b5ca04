import { packLibrary } from './packed-library';

export default packLibrary;
