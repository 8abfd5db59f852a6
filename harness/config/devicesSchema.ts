/**
 * JSON Schema of devices.json. Kept in TypeScript beside its loader so the schema and the
 * DeviceEntry type (harness/device/types.ts) change together.
 */
export const LOCATOR_OVERRIDE_PATTERN = '^(id|desc|text|xpath|uiautomator):.+$';

/** An APK path (base or split) in devices.json `apps`. */
export const APK_PATTERN = '\\.apk$';

const stringMap = { type: 'object', additionalProperties: { type: 'string', minLength: 1 } } as const;

export const devicesSchema = {
  $id: 'phonehome/devices@1',
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: {
    $schema: { type: 'string' },
    /** Name of the phone used when a command gets no --device. */
    default: { type: 'string', minLength: 1 },
    devices: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'serial'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          serial: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' },
          launch: {
            type: 'object',
            additionalProperties: false,
            required: ['command'],
            properties: {
              command: { type: 'string', minLength: 1 },
              args: { type: 'array', items: { type: 'string' } },
              readyTimeoutMs: { type: 'integer', minimum: 1000, maximum: 3_600_000 },
              cwd: { type: 'string', minLength: 1 },
              env: stringMap,
            },
          },
          appiumUrl: { type: 'string', pattern: '^https?://' },
          capabilities: { type: 'object' },
          locators: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: { type: 'string', pattern: LOCATOR_OVERRIDE_PATTERN },
            },
          },
          packages: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$' } },
          tags: { type: 'array', items: { type: 'string', minLength: 1 } },
          proxyHost: { type: 'string', minLength: 1, pattern: '^[^\\s:/]+$' },
          systemPort: { type: 'integer', minimum: 1024, maximum: 65535 },
          adbTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
          apps: {
            type: 'object',
            additionalProperties: {
              anyOf: [
                { type: 'string', minLength: 1, pattern: APK_PATTERN },
                { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', minLength: 1, pattern: APK_PATTERN } },
              ],
            },
          },
        },
      },
    },
  },
} as const;
