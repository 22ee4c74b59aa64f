/** Backup settings for a CLI run: flags over the config file's `backup` over the defaults. */
import type { KeySource } from 'strata-migrate/backup';
import type { BackupSettings } from 'strata-migrate/backup';
import { integerOption, usage, type ParsedCommand } from './args.js';
import type { BackupConfig } from './config.js';

export function backupSettings(values: ParsedCommand['values'], configured: false | BackupConfig | undefined): BackupSettings {
  const file = configured || {};
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const level = integerOption(values.compress, '--compress', 1);
  if (level !== undefined && level > 9) throw usage(`--compress expects a level from 1 to 9, got ${level}`, 'e.g. --compress 1 (fast) or --compress 9 (small)');
  const codec = string('compress-codec') ?? file.codec;
  if (codec !== undefined && codec !== 'gzip' && codec !== 'zstd')
    throw usage(`--compress-codec expects gzip or zstd, got ${JSON.stringify(codec)}`, 'e.g. --compress 1 --compress-codec zstd');
  const check = string('backup-check') ?? file.check;
  if (check !== undefined && check !== 'full' && check !== 'structure')
    throw usage(
      `--backup-check expects full or structure, got ${JSON.stringify(check)}`,
      'structure (default) checks that the backup opens; full also runs integrity_check on every page',
    );
  const keyFile = string('key-file') ?? file.keyFile;
  const passphraseEnv = string('passphrase-env') ?? file.passphraseEnv;
  const keyEnv = string('key-env') ?? file.keyEnv;
  const key: KeySource | undefined = string('key-file')
    ? { keyFile: string('key-file')! }
    : string('passphrase-env')
      ? { passphraseEnv: string('passphrase-env')! }
      : string('key-env')
        ? { keyEnv: string('key-env')! }
        : keyFile
          ? { keyFile }
          : passphraseEnv
            ? { passphraseEnv }
            : keyEnv
              ? { keyEnv }
              : undefined;
  return {
    dir: string('backup-dir') ?? file.dir,
    compression: level ?? file.compression ?? false,
    ...(codec ? { codec } : {}),
    ...(check ? { check } : {}),
    encrypt: values.encrypt === true || file.encrypt === true,
    key,
    keepDays: integerOption(values['keep-days'], '--keep-days', 1) ?? file.keepDays,
    keepCount: integerOption(values['keep-count'], '--keep-count', 1) ?? file.keepCount,
  };
}
