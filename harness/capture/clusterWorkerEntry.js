// ClusterSidecar worker entry when phonehome runs from its TypeScript sources: a forked process
// inherits the parent's node flags but not tsx hooks registered through its API (harness/phonehome.js),
// so this plain-JS entry registers them, then loads the TypeScript worker. Built, dist/ runs clusterWorker.js.
import { register } from 'tsx/esm/api';

register();
await import('./clusterWorker.ts');
