import { SETTINGS_NAMESPACES, type SettingsNamespace } from '../settingsStore.js';
import { settingsWriteDenial } from '../securityRefusals.js';
import type { Ctx, Handler } from './context.js';

/** MIUI without "USB debugging (Security settings)" refuses the shell's writes (developerOptions.ts). */
async function refusedWrite(ctx: Ctx, verb: 'put' | 'delete', namespace: string): Promise<number | null> {
  if (!ctx.device.developerOptions.refusesSettingsWrites(ctx.cred.uid)) return null;
  const denial = settingsWriteDenial(ctx.device.profile.device.sdk, verb, namespace);
  ctx.device.log(5, 'SettingsProvider', `shell ${verb} ${namespace} refused: no WRITE_SECURE_SETTINGS`);
  await ctx.err(denial.stderr);
  return denial.code;
}

const USAGE = `usage:  settings [--user <USER_ID> | current] get namespace key
        settings [--user <USER_ID> | current] put namespace key value
        settings [--user <USER_ID> | current] delete namespace key
        settings [--user <USER_ID> | current] list namespace

'namespace' is one of {system, secure, global}, case-insensitive
If '--user <USER_ID> | current' is not given, the operations are performed on the system user.
`;

export const settings: Handler = async (ctx) => {
  const args = [...ctx.args];
  if (args[0] === '--user') args.splice(0, 2);
  const [verb, rawNamespace, key, ...rest] = args;
  const namespace = rawNamespace?.toLowerCase() as SettingsNamespace | undefined;
  const store = ctx.device.settings;
  if (!verb || !namespace || !SETTINGS_NAMESPACES.includes(namespace)) {
    await ctx.err(USAGE);
    return 1;
  }
  switch (verb) {
    case 'get':
      if (!key) break;
      await ctx.out(`${store.get(namespace, key) ?? 'null'}\n`);
      return 0;
    case 'put': {
      if (!key || rest.length === 0) break;
      const refused = await refusedWrite(ctx, 'put', namespace);
      if (refused !== null) return refused;
      // `settings put … value [tag] [default]`: only the value matters here.
      store.put(namespace, key, rest[0]!);
      ctx.device.log(4, 'SettingsProvider', `put ${namespace}/${key}=${rest[0]}`);
      return 0;
    }
    case 'delete': {
      if (!key) break;
      const refused = await refusedWrite(ctx, 'delete', namespace);
      if (refused !== null) return refused;
      await ctx.out(`Deleted ${store.delete(namespace, key) ? 1 : 0} rows\n`);
      return 0;
    }
    case 'list':
      await ctx.out(store.list(namespace).map(([k, v]) => `${k}=${v}\n`).join(''));
      return 0;
    default:
      break;
  }
  await ctx.err(USAGE);
  return 1;
};
