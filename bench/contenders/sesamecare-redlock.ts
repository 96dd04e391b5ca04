/** @sesamecare-oss/redlock, the maintained fork of redlock 5 (its scripts also SELECT the db). */
import { Redlock } from '@sesamecare-oss/redlock';
import { redlockV5Contenders } from './redlock-v5-api';

export const sesamecareRedlock = redlockV5Contenders(Redlock, {
  id: 'sesamecare',
  label: '@sesamecare-oss/redlock',
  packages: ['@sesamecare-oss/redlock'],
});
