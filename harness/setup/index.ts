export { SYSTEM_TOOLS, checkTool, aptInstall, type SystemTool, type ToolStatus } from './systemTools.js';
