/** The simulated phone's network stack: HTTP/1.1 over the configured proxy, Android's TLS trust. */
export { NetworkStack, defaultNetLimits, type NetLimits, type NetRequest, type NetResponse, type NetworkStackEvents } from './networkStack.js';
export { NetError, type NetErrorKind } from './netError.js';
export { parseHttpProxy, isPhoneLoopback, type ProxyAddress, type ProxySetting } from './proxySetting.js';
export { decodeContentEncoding } from './contentDecoding.js';
export { trustedCAs } from './trustStore.js';
