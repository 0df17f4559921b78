import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * Installs (or finds cached) code-server with scripts/e2e/setup-code-server.sh and returns the
 * path of its launcher.
 */
export function setupCodeServer(): string {
  const setup = spawnSync('bash', [join(repoRoot, 'scripts/e2e/setup-code-server.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (setup.status !== 0) throw new Error(`scripts/e2e/setup-code-server.sh failed with status ${setup.status}`);
  const launcher = setup.stdout.trim().split('\n').pop();
  if (!launcher) throw new Error('scripts/e2e/setup-code-server.sh printed no launcher path');
  return launcher;
}

/**
 * Environment for code-server and the browser: a private HOME and XDG folders under `root`, so
 * nothing reaches the user's profile, and none of the variables through which a VS Code that
 * started this test would take over `--install-extension` or the extension host.
 */
export function isolatedEnv(root: string): NodeJS.ProcessEnv {
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.run'),
  };
}

const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'window.dialogStyle': 'custom',
};

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One code-server with a private profile under `root`, serving on a free loopback port. */
export class CodeServer {
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | null = null;
  private port = 0;
  private readonly killOnExit = () => this.killGroup('SIGKILL');
  /** An interrupted test (Ctrl-C, a CI timeout) must not leave code-server behind: it is in its own session. */
  private readonly killOnSignal = (signal: NodeJS.Signals) => {
    this.killGroup('SIGKILL');
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };

  constructor(
    private readonly launcher: string,
    readonly root: string,
    private readonly logFile: string,
  ) {
    this.userDataDir = join(root, 'user-data');
    this.extensionsDir = join(root, 'extensions');
    this.env = isolatedEnv(root);
    mkdirSync(join(this.userDataDir, 'User'), { recursive: true });
    writeFileSync(join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  }

  private profileArgs(): string[] {
    return ['--config', join(this.root, 'config.yaml'), '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  installExtension(vsix: string): void {
    const install = spawnSync(this.launcher, [...this.profileArgs(), '--install-extension', vsix], {
      env: this.env,
      encoding: 'utf8',
    });
    if (install.status !== 0) {
      throw new Error(`code-server --install-extension failed (${install.status}): ${install.stderr || install.stdout}`);
    }
  }

  get url(): string {
    if (!this.child) throw new Error('code-server is not running');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts code-server in its own process group (setsid) and waits until it answers /healthz. */
  async start(): Promise<void> {
    this.port = await freeLoopbackPort();
    mkdirSync(join(this.logFile, '..'), { recursive: true });
    const log = createWriteStream(this.logFile);
    const args = [
      ...this.profileArgs(),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
    ];
    // detached: the child calls setsid(), so its process group id is its pid and the extension
    // host, pty host and language servers it starts can all be stopped with it.
    const child = spawn(this.launcher, args, { env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    process.once('exit', this.killOnExit);
    process.once('SIGINT', this.killOnSignal);
    process.once('SIGTERM', this.killOnSignal);

    let exited: string | null = null;
    child.once('exit', (code, signal) => (exited = `code-server exited (${signal ?? code}) before answering; see ${this.logFile}`));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(exited);
      try {
        const health = await fetch(`${this.url}/healthz`);
        if (health.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s; see ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }

  /** Stops code-server's whole process group: SIGTERM, then SIGKILL for what is left after 10 s. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.killGroup('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (processGroupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    if (processGroupAlive(pid)) this.killGroup('SIGKILL');
    while (processGroupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
    process.removeListener('exit', this.killOnExit);
    process.removeListener('SIGINT', this.killOnSignal);
    process.removeListener('SIGTERM', this.killOnSignal);
    this.child = null;
  }
}
