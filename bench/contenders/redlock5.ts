/** redlock 5.0.0-beta.2, the last published redlock (installed as `redlock5`). */
import Redlock from 'redlock5';
import { redlockV5Contenders } from './redlock-v5-api';

export const redlock5 = redlockV5Contenders(Redlock, {
  id: 'redlock5',
  label: 'redlock 5β',
  packages: ['redlock5'],
});
