import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { isPortOpen } from './tcp.js';

export const LOCAL_KAFKA_VERSION = '3.9.1';

const HOST = '127.0.0.1';
const APPROX_JAR_COUNT = 55;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const JARS_MARKER = '.complete';
const POM_PATH = fileURLToPath(new URL('../kafka/pom.xml', import.meta.url));
const INSTALL_HINT =
  'install Java 17 and Maven (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven) ' +
  'or set KAFKA_BROKERS to an existing broker';

const execFileAsync = promisify(execFile);

export interface LocalKafkaOptions {
  /** PLAINTEXT port on 127.0.0.1; the KRaft controller uses port + 1. Default 9092. */
  port?: number;
  /** Holds the jars (`kafka-3.9.1/libs`) and per-run data dirs (`kafka-data/`). Default ~/.cache/segflow. */
  cacheDir?: string;
  /** Progress lines; default writes them to stderr. */
  log?: (line: string) => void;
  /**
   * Leave a broker started here running after this process exits (`pnpm start`): the
   * handle's stop() becomes a no-op and stopLocalKafka() stops it later. Default false.
   */
  persistent?: boolean;
}

export interface LocalKafka {
  brokers: string[];
  /** True when this call launched the broker, false when one was already answering. */
  startedHere: boolean;
  /** The broker JVM's pid (also its process group), when startedHere. */
  pid?: number;
  /** server.properties, logs and pid file of this run, when startedHere. */
  dataDir?: string;
  /** Stops the broker and removes its data dir when startedHere; a no-op otherwise. Idempotent. */
  stop(): Promise<void>;
}

interface LauncherRecord {
  pid: number;
  port: number;
  startedAt: string;
}

/** Where the Kafka jars and the embedded Postgres data are kept across runs: SEGFLOW_CACHE_DIR, else ~/.cache/segflow. */
export function defaultCacheDir(): string {
  return process.env.SEGFLOW_CACHE_DIR || join(homedir(), '.cache', 'segflow');
}

/**
 * Ensures a Kafka broker answers at 127.0.0.1:port. Reuses one that already answers;
 * otherwise fetches Apache Kafka 3.9.1 with Maven (once, into cacheDir) and starts a
 * single-node KRaft broker with the machine's Java.
 *
 * The broker runs detached, so it outlives this process unless stop() is called; with
 * `persistent: true` stop() leaves it running. The next ensureLocalKafka on the same
 * port reuses it, and stopLocalKafka() stops it from any process.
 *
 * Throws with an install hint when java or mvn is missing, and with the broker log's
 * last lines when the broker does not come up within 60 s.
 */
export async function ensureLocalKafka(opts: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const port = opts.port ?? 9092;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const brokers = [`${HOST}:${port}`];

  if (await isPortOpen(HOST, port)) {
    // Give a broker that is still starting (another process launched it) some time.
    if (await waitForKafka(brokers, 15_000)) {
      log(`[kafka] reusing the broker at ${brokers.join(',')}`);
      return reusedBroker(brokers);
    }
    throw new Error(
      `${HOST}:${port} is in use but does not answer as Kafka; free it, choose another port, or set KAFKA_BROKERS`,
    );
  }
  if (await isPortOpen(HOST, port + 1)) {
    throw new Error(`${HOST}:${port + 1} (the KRaft controller port for ${port}) is in use; choose another port`);
  }

  requireJava();
  const libs = await ensureKafkaJars(cacheDir, log);
  await removeStaleDataDirs(cacheDir);
  const started = await startBroker(port, cacheDir, libs, log);
  return opts.persistent && started.startedHere ? { ...started, stop: async () => undefined } : started;
}

/**
 * Stops a broker that ensureLocalKafka started on `port` and left running (possibly
 * from another process), and removes its data dir. Resolves false when none was found.
 */
export async function stopLocalKafka(
  opts: { port?: number; cacheDir?: string; log?: (line: string) => void } = {},
): Promise<boolean> {
  const port = opts.port ?? 9092;
  let stopped = false;
  for (const { dir, record } of await readLaunchers(opts.cacheDir ?? defaultCacheDir())) {
    if (record?.port !== port) continue;
    if (isKafkaProcess(record.pid)) {
      await terminate(record.pid, () => !isAlive(record.pid));
      opts.log?.(`[kafka] stopped the local broker on ${HOST}:${port} (pid ${record.pid})`);
      stopped = true;
    }
    await rm(dir, { recursive: true, force: true });
  }
  return stopped;
}

/** Resolves true when a Kafka broker answers a cluster metadata request within timeoutMs. Never rejects. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 3_000): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'segflow-testkit-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  const attempt = (async () => {
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0;
    } catch {
      return false;
    }
  })();
  // Disconnect only after the attempt settles, so a late connect cannot leak a socket.
  void attempt.finally(() => admin.disconnect().catch(() => undefined));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitForKafka(brokers: string[], timeoutMs: number, gaveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp()) {
    if (await kafkaAnswers(brokers, 2_000)) return true;
    await sleep(500);
  }
  return false;
}

function reusedBroker(brokers: string[]): LocalKafka {
  return { brokers, startedHere: false, stop: async () => undefined };
}

// ---------------------------------------------------------------------------
// Jars

async function ensureKafkaJars(cacheDir: string, log: (line: string) => void): Promise<string> {
  const home = join(cacheDir, `kafka-${LOCAL_KAFKA_VERSION}`);
  const libs = join(home, 'libs');
  if (jarsComplete(libs)) return libs;

  requireCommand('mvn', ['-v']);
  await mkdir(home, { recursive: true });
  // Download into a private folder and rename it into place, so two processes fetching
  // at once never mix files and an interrupted download is never mistaken for complete.
  const partial = await mkdtemp(join(home, 'libs.partial-'));
  const startedAt = Date.now();
  log(`[kafka] fetching Apache Kafka ${LOCAL_KAFKA_VERSION} with Maven into ${libs} (first run only)`);
  try {
    await runMaven(partial, join(home, 'maven.log'), log);
    const jars = (await readdir(partial)).filter((f) => f.endsWith('.jar'));
    if (!jars.includes(`kafka_2.13-${LOCAL_KAFKA_VERSION}.jar`)) {
      throw new Error(`Maven finished but kafka_2.13-${LOCAL_KAFKA_VERSION}.jar is missing in ${partial}`);
    }
    const marker = { version: LOCAL_KAFKA_VERSION, jars: jars.length, completedAt: new Date().toISOString() };
    await writeFile(join(partial, JARS_MARKER), `${JSON.stringify(marker)}\n`);
    if (!jarsComplete(libs)) {
      await rm(libs, { recursive: true, force: true });
      await rename(partial, libs).catch((error: unknown) => {
        if (!jarsComplete(libs)) throw error; // else another process finished first
      });
    }
    log(`[kafka] ${jars.length} jars ready in ${libs} (${seconds(startedAt)} s)`);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return libs;
}

function jarsComplete(libs: string): boolean {
  return existsSync(join(libs, JARS_MARKER)) && existsSync(join(libs, `kafka_2.13-${LOCAL_KAFKA_VERSION}.jar`));
}

/** Runs copy-dependencies, turning Maven's output into one progress line per Kafka jar. */
function runMaven(outputDir: string, logFile: string, log: (line: string) => void): Promise<void> {
  const args = [
    '-B',
    '-Dstyle.color=never',
    '-f',
    POM_PATH,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outputDir}`,
  ];
  const child = spawn('mvn', args, { cwd: outputDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(logFile);
  const tail: string[] = [];
  // Maven first resolves its plugins, then the project's dependencies (the Kafka jars,
  // counted), then prints the goal's header and fetches the plugin's own libraries.
  let goalStarted = false;
  let jarCount = 0;
  const announced = new Set<string>();
  const announceOnce = (line: string): void => {
    if (!announced.has(line)) log(line);
    announced.add(line);
  };

  const onLine = (raw: string): void => {
    // eslint-disable-next-line no-control-regex -- Debian's mvn wrapper emits colour resets even with -B
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
    file.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (/--- maven-dependency-plugin:\S+:copy-dependencies/.test(line)) goalStarted = true;
    const url = /Downloading from [^:]+: (\S+\.jar)\s*$/.exec(line)?.[1];
    if (!url) return;
    if (goalStarted) return announceOnce("[kafka] fetching the dependency plugin's own libraries");
    if (url.includes('/org/apache/maven/')) return announceOnce('[kafka] fetching Maven plugins');
    jarCount += 1;
    log(`[kafka] downloading ${jarCount}/~${APPROX_JAR_COUNT} ${basename(url)}`);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      file.end();
      if (code === 0) return resolve();
      const errors = tail.filter((l) => l.includes('ERROR'));
      reject(
        new Error(
          `Maven could not fetch Apache Kafka ${LOCAL_KAFKA_VERSION} (exit ${code}); full log in ${logFile}:\n` +
            (errors.length > 0 ? errors : tail).join('\n'),
        ),
      );
    });
  });
}

// ---------------------------------------------------------------------------
// Broker

async function startBroker(
  port: number,
  cacheDir: string,
  libs: string,
  log: (line: string) => void,
): Promise<LocalKafka> {
  const brokers = [`${HOST}:${port}`];
  const dataRoot = join(cacheDir, 'kafka-data');
  await mkdir(dataRoot, { recursive: true });
  const dataDir = await mkdtemp(join(dataRoot, `${port}-`));
  const files = {
    properties: join(dataDir, 'server.properties'),
    log4j: join(dataDir, 'log4j.properties'),
    serverLog: join(dataDir, 'server.log'),
    console: join(dataDir, 'console.log'),
  };
  const classpath = join(libs, '*');
  const startedAt = Date.now();

  let child: ChildProcess;
  try {
    await writeFile(files.properties, serverProperties(port, join(dataDir, 'logs')));
    await writeFile(files.log4j, log4jProperties(files.serverLog));
    const clusterId = (await java(['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], dataDir)).trim();
    await java(['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', files.properties], dataDir);

    const out = openSync(files.console, 'a');
    child = spawn(
      'java',
      [
        '-Xmx512m',
        '-Xms512m',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${files.log4j}`,
        `-Dkafka.logs.dir=${dataDir}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        files.properties,
      ],
      // Own process group: stop() can signal the whole tree, and Ctrl-C in a terminal
      // running `pnpm start` does not take the broker down mid-write.
      { cwd: dataDir, detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.unref();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  const pid = child.pid;
  if (pid === undefined) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`could not start java for the local Kafka broker; ${INSTALL_HINT}`);
  }
  const record: LauncherRecord = { pid, port, startedAt: new Date().toISOString() };
  await writeFile(join(dataDir, 'kafka.pid'), `${pid}\n`);
  await writeFile(join(dataDir, 'launcher.json'), `${JSON.stringify(record)}\n`);

  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await terminate(pid, exited);
      await rm(dataDir, { recursive: true, force: true });
      log(`[kafka] stopped the local broker on ${brokers.join(',')} (pid ${pid})`);
    })());

  log(`[kafka] started Apache Kafka ${LOCAL_KAFKA_VERSION} (pid ${pid}) on ${brokers.join(',')}; waiting up to ${READY_TIMEOUT_MS / 1000} s for it to answer`);
  if (await waitForKafka(brokers, READY_TIMEOUT_MS, exited)) {
    log(`[kafka] broker ready in ${seconds(startedAt)} s (data in ${dataDir})`);
    return { brokers, startedHere: true, pid, dataDir, stop };
  }

  const logTail = await brokerLogTail(files);
  if (exited()) {
    // Lost a race with another launcher for the same port: use the winner.
    if (await kafkaAnswers(brokers)) {
      await rm(dataDir, { recursive: true, force: true });
      log(`[kafka] another process started a broker on ${brokers.join(',')}; reusing it`);
      return reusedBroker(brokers);
    }
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(
      `the local Kafka broker exited (${child.signalCode ?? `code ${child.exitCode}`}) before answering on ${brokers.join(',')}.\n${logTail}`,
    );
  }
  await stop();
  throw new Error(`the local Kafka broker did not answer on ${brokers.join(',')} within ${READY_TIMEOUT_MS / 1000} s.\n${logTail}`);
}

function serverProperties(port: number, logDir: string): string {
  const controller = port + 1;
  return [
    '# Single-node KRaft broker written by @segflow/testkit (local-kafka.ts).',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${controller}`,
    `listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controller}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=3',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

// Only takes effect if an SLF4J binding is on the classpath; kafka_2.13's dependencies
// bring slf4j-api alone, so the broker logs nothing unless one is added to the pom.
function log4jProperties(file: string): string {
  return [
    'log4j.rootLogger=WARN, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${file}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    '',
  ].join('\n');
}

async function java(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('java', args, { cwd, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`java ${args.slice(3).join(' ')} failed:\n${lastLines(detail, 20)}`);
  }
}

async function brokerLogTail(files: { console: string; serverLog: string }): Promise<string> {
  const parts: string[] = [];
  for (const file of [files.console, files.serverLog]) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.trim()) parts.push(`--- last lines of ${basename(file)} ---\n${lastLines(text, 30)}`);
  }
  return parts.join('\n') || '(the broker wrote no log output)';
}

// ---------------------------------------------------------------------------
// Processes

function requireCommand(command: 'java' | 'mvn', args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`starting a local Kafka needs \`${command}\`, which was not found: ${INSTALL_HINT}`);
  return `${result.stdout}${result.stderr}`;
}

function requireJava(): void {
  const major = Number(/version "(?:1\.)?(\d+)/.exec(requireCommand('java', ['-version']))?.[1]);
  if (Number.isFinite(major) && major < 11) {
    throw new Error(`Kafka ${LOCAL_KAFKA_VERSION} needs Java 11 or newer (found ${major}): ${INSTALL_HINT}`);
  }
}

/** SIGTERM to the process group, SIGKILL after STOP_GRACE_MS; resolves once the process is gone. */
async function terminate(pid: number, exited: () => boolean): Promise<void> {
  if (exited() || !signalGroup(pid, 'SIGTERM')) return;
  if (await waitUntil(exited, STOP_GRACE_MS)) return;
  signalGroup(pid, 'SIGKILL');
  await waitUntil(exited, 5_000);
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still accepts signal 0 but is gone for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** Guards against signalling an unrelated process that reused a stale pid. */
function isKafkaProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return true;
  }
}

async function readLaunchers(cacheDir: string): Promise<Array<{ dir: string; record?: LauncherRecord }>> {
  const root = join(cacheDir, 'kafka-data');
  const names = await readdir(root).catch(() => []);
  return Promise.all(
    names.map(async (name) => {
      const dir = join(root, name);
      const text = await readFile(join(dir, 'launcher.json'), 'utf8').catch(() => undefined);
      return { dir, record: text === undefined ? undefined : parseRecord(text) };
    }),
  );
}

function parseRecord(text: string): LauncherRecord | undefined {
  try {
    return JSON.parse(text) as LauncherRecord;
  } catch {
    return undefined; // half-written; treated like a missing record
  }
}

/** Removes data dirs of brokers that died without stop() (crash, kill -9 of the test run). */
async function removeStaleDataDirs(cacheDir: string): Promise<void> {
  for (const { dir, record } of await readLaunchers(cacheDir)) {
    if (record) {
      if (!isKafkaProcess(record.pid)) await rm(dir, { recursive: true, force: true });
      continue;
    }
    // No launcher.json: a launch that failed early, or one in progress right now.
    const info = await stat(dir).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10 * 60_000) await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Small helpers

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
