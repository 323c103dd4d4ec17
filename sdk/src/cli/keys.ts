/**
 * Where the command-line tool's signing key comes from: an encrypted JSON keystore (password from `--password-file`,
 * `PHARMACHAIN_KEYSTORE_PASSWORD` or a hidden prompt), or, for development only, a private key in an environment
 * variable. Keys and passwords are never taken from the command line, where shells and process lists would keep them.
 */
import fs from "fs";
import readline from "readline";
import { Provider, Wallet } from "ethers";
import { ConfigurationError } from "../errors";

export const PASSWORD_ENV = "PHARMACHAIN_KEYSTORE_PASSWORD";
export const PRIVATE_KEY_ENV = "PHARMACHAIN_PRIVATE_KEY";

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new ConfigurationError(`a password is needed: set ${PASSWORD_ENV} (standard input is not a terminal)`);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void };
  process.stderr.write(question);
  output._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question("", resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/**
 * A keystore password: the first line of `passwordFile` (a file only its owner should read, for scripts and services),
 * else `PHARMACHAIN_KEYSTORE_PASSWORD`, else asked at the terminal — twice when `confirm` (a new keystore: a typo would
 * lock the key away for good).
 */
export async function readPassword(question: string, options: { passwordFile?: string; confirm?: boolean } = {}) {
  if (options.passwordFile) {
    let text: string;
    try {
      text = fs.readFileSync(options.passwordFile, "utf8");
    } catch (cause) {
      throw new ConfigurationError(`cannot read the password file ${options.passwordFile}`, { cause });
    }
    const password = text.split(/\r?\n/)[0];
    if (!password) throw new ConfigurationError(`the password file ${options.passwordFile} is empty`);
    return password;
  }
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  const password = await promptHidden(question);
  if (options.confirm && (await promptHidden("Repeat the password: ")) !== password) {
    throw new ConfigurationError("the two passwords differ: nothing was written");
  }
  return password;
}

/** The address of the last key loaded in this process (for messages such as "not enough ether"). */
export let lastLoadedAddress: string | undefined;

export interface KeySource {
  keystore?: string;
  /** A file whose first line is the keystore's password. */
  passwordFile?: string;
  /** The environment variable holding a development private key (default PHARMACHAIN_PRIVATE_KEY). */
  keyEnv?: string;
}

/** The wallet to sign with, connected to `provider` when given. */
export async function loadWallet(source: KeySource, provider?: Provider): Promise<Wallet> {
  if (source.keystore) {
    if (!fs.existsSync(source.keystore)) throw new ConfigurationError(`no keystore file at ${source.keystore}`);
    const json = fs.readFileSync(source.keystore, "utf8");
    const password = await readPassword(`Password for ${source.keystore}: `, { passwordFile: source.passwordFile });
    let wallet;
    try {
      wallet = await Wallet.fromEncryptedJson(json, password);
    } catch (cause) {
      throw new ConfigurationError(`cannot open the keystore ${source.keystore}: wrong password or not a keystore`, {
        cause,
      });
    }
    lastLoadedAddress = wallet.address;
    return new Wallet(wallet.privateKey, provider);
  }
  const name = source.keyEnv ?? PRIVATE_KEY_ENV;
  const key = process.env[name];
  if (!key) {
    throw new ConfigurationError("no signing key", {
      details: `give --keystore FILE (password in ${PASSWORD_ENV} or at the prompt), or for development set ${name}`,
    });
  }
  try {
    const wallet = new Wallet(key.startsWith("0x") ? key : `0x${key}`, provider);
    lastLoadedAddress = wallet.address;
    return wallet;
  } catch (cause) {
    throw new ConfigurationError(`${name} does not hold a valid private key`, { cause });
  }
}

/** Encrypts `wallet` into a keystore file (scrypt, as ethers and geth do) that only the owner can read. */
export async function writeKeystore(file: string, wallet: Wallet, password: string): Promise<void> {
  if (password.length < 8) throw new ConfigurationError("a keystore password needs at least 8 characters");
  if (fs.existsSync(file)) throw new ConfigurationError(`${file} exists already: refusing to overwrite a key`);
  const json = await wallet.encrypt(password);
  fs.writeFileSync(file, json, { mode: 0o600 });
}
