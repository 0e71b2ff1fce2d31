import { runAction } from '../../../shared/action.js';
import { save } from './save.js';

await runAction(save);
