import { parseCommandArgs, type CliIo, type Command } from './command.js';
import { androidSystemCertificate } from '../device/provision/androidCertName.js';
import { loadOrCreateCa, phonehomeHome } from '../capture/certificateAuthority.js';

export const caCommand: Command = {
  name: 'ca',
  summary: "print the capture CA certificate (or Android's system-store file for it)",
  help: `Usage: phonehome ca [--android]

Prints the PEM certificate of the per-install CA the capture sidecar intercepts HTTPS with,
generating the CA on first use. The CA lives in $PHONEHOME_HOME (else $XDG_CONFIG_HOME/phonehome,
else ~/.config/phonehome) as ca.pem and ca-key.pem (mode 0600; a key readable by others is refused).

Options:
  --android   print the file name Android's system CA store wants, <subject_hash_old>.0, on the
              first line, then the file's content. A rooted phone trusts the CA once that file is
              in /system/etc/security/cacerts/ (mode 644).

Examples:
  phonehome ca > phonehome-ca.pem
  phonehome ca --android`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs('ca', argv, { android: { type: 'boolean' } });
    const ca = await loadOrCreateCa(phonehomeHome());
    if (values.android) {
      const file = androidSystemCertificate(ca.certPem);
      io.out(file.fileName);
      io.out(file.content.trimEnd());
    } else {
      io.out(ca.certPem.replace(/\r\n/g, '\n').trimEnd());
    }
    return 0;
  },
};
