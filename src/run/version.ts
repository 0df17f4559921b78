import { name, version } from '../../package.json';

export const tool = { name: name as 'robustness-lens', version };
