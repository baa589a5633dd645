import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProviderCredentials } from '../providers/credentials.js';

/**
 * Encrypts the provider credentials teams bring (bring-your-own-key) before they reach the database:
 * AES-256-GCM with a random 96-bit nonce per value, the team id and provider bound in as associated
 * data (a ciphertext copied to another team's row does not decrypt). Stored form:
 * `v1.<nonce b64url>.<ciphertext b64url>.<tag b64url>`.
 *
 * The key comes from SWITCHYARD_SECRET_KEY (any string; its SHA-256 is the AES key), which every
 * replica of a fleet must share; without it a single node generates one into `<data dir>/secret.key`
 * (mode 0600) on first start and reuses it.
 */
export class CredentialVault {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = createHash('sha256').update(secret).digest();
  }

  /** The vault of this deployment: SWITCHYARD_SECRET_KEY, else a key file beside the embedded database. */
  static fromEnvironment(env: NodeJS.ProcessEnv, keyFile: string | undefined): CredentialVault {
    const secret = env.SWITCHYARD_SECRET_KEY;
    if (secret && secret.length > 0) return new CredentialVault(secret);
    if (!keyFile) return new CredentialVault(randomBytes(32));
    if (existsSync(keyFile)) return new CredentialVault(readFileSync(keyFile, 'utf8').trim());
    mkdirSync(dirname(keyFile), { recursive: true });
    const generated = randomBytes(32).toString('base64url');
    writeFileSync(keyFile, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(keyFile, 0o600);
    return new CredentialVault(generated);
  }

  seal(teamId: string, provider: string, credentials: ProviderCredentials): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`${teamId}\0${provider}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
    return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** The credentials, or undefined when the value was sealed for another team/provider or with another key. */
  open(teamId: string, provider: string, sealed: string): ProviderCredentials | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(parts[1], 'base64url'));
      decipher.setAAD(Buffer.from(`${teamId}\0${provider}`));
      decipher.setAuthTag(Buffer.from(parts[3], 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(parts[2], 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as ProviderCredentials;
    } catch {
      return undefined;
    }
  }
}
