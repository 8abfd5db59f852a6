// Worker thread entry of ScanPool. Workers do not inherit the tsx hooks of the thread that started
// them (neither --import tsx nor tsx's register()), so this plain-JS entry registers them, then loads
// the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./scanWorker.ts');
