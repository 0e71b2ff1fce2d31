import { runAction } from '../../../shared/action.js';
import { main } from './main.js';

await runAction(main);
