// phonehome/wdio: the WebdriverIO service and reporter (README "WebdriverIO").
export { PhonehomeService, phonehome } from './service.js';
export { PhonehomeReporter } from './reporter.js';
export { PhonehomeLauncher } from './launcher.js';
export { WdioPhone, WdioVisit, type WdioVisitOptions } from './wdioPhone.js';
export { checkServiceOptions, type PhonehomeServiceOptions } from './options.js';
export { readRunState, STATE_ENV, type WdioRunState } from './runState.js';
