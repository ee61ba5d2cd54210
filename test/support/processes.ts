// The real programs as subprocesses: the server (`node --import tsx src/main.ts`, or the bundle
// `npm start` runs) and the CLI.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The server from its TypeScript sources, through tsx (what most tests run). */
export const SOURCE_SERVER_ARGS = ['--import', 'tsx', 'src/main.ts'];

/**
 * What `npm start` runs: builds the bundle (`prestart`) and returns the node arguments of the
 * `start` script, read from package.json so the test and the script cannot drift apart.
 */
export function buildStartBundle(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = (scripts.start ?? '').split(' ');
  if (command !== 'node') throw new Error(`npm start does not run node: ${scripts.start}`);
  if (scripts.prestart !== undefined) {
    const built = spawnSync('npm', ['run', '--silent', 'prestart'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    if (built.status !== 0) throw new Error(`npm run prestart failed:\n${built.stdout}\n${built.stderr}`);
  }
  return args;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | null;
}

/** Runs `dessert <args>` against DATABASE_URL, with optional stdin. */
export function runCli(args: string[], env: Record<string, string>, input?: string): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json: parseJson(result.stdout) };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface ServerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts the real server process; resolves once it prints its listening line. */
export async function startServerProcess(
  env: Record<string, string>,
  args: string[] = SOURCE_SERVER_ARGS,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20_000);
    const check = () => {
      if (err.includes('GraphQL (and GraphiQL')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the server until it exits on its own (for start-up failures). */
export function runServerToExit(env: Record<string, string>): {
  status: number | null;
  stderr: string;
  stdout: string;
} {
  const result = spawnSync(process.execPath, SOURCE_SERVER_ARGS, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

/** Runs a script of ours with node + tsx to its end without blocking the test's event loop. */
function runToEnd(
  script: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** runServerToExit without blocking the test's event loop, so several can run at once. */
export function runServerUntilExit(
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return runToEnd(['src/main.ts'], env, 20_000);
}

/** runCli without blocking the test's event loop (for a command that runs beside a load). */
export async function runCliAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  const result = await runToEnd(['src/cli/main.ts', ...args], env, 30_000);
  return { ...result, json: parseJson(result.stdout) };
}

/** The base URL a server process started with PORT=0 announced on stderr. */
export function baseUrlOf(server: ServerProcess): string {
  const match = /GraphQL \(and GraphiQL in a browser\): (http:\/\/\S+)\/graphql/.exec(server.stderr());
  if (match?.[1] === undefined) throw new Error(`no listening line on stderr:\n${server.stderr()}`);
  return match[1];
}
