#!/usr/bin/env node
// The README's first command (`npm start`): installs what is needed, builds, and runs the hub
// with its console, an EPJ receiver and a simulated fleet, so a newcomer sees alarms flow.
// Plain Node on purpose: it runs before any dependency is installed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`[knutepunkt] ${line}`);
const children = [];
let stopping = false;

function stopAll(code) {
  stopping = true;
  for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function fail(message) {
  console.error(`[knutepunkt] ${message}`);
  stopAll(1);
  process.exitCode = 1;
}

function run(command, args) {
  say(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

function has(command) {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a long-running part, its output prefixed with its name; the session ends if it dies. */
function start(name, command, args, env = {}, onLine = () => {}) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        console.log(`${name.padEnd(6)}| ${line}`);
        onLine(line);
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) fail(`${name} stopped (${signal ?? `exit code ${code}`})`);
  });
  return child;
}

/** Whether a Redis answers PING at the URL (raw RESP, no client library needed). */
function redisAnswers(url) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(/^\+PONG|^-NOAUTH/.test(data.toString()));
    });
  });
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node ${process.versions.node} is too old: Knutepunkt needs Node 20.19 or newer.`);
} else {
  const pnpmVersion = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
  if (!has('pnpm')) run('npm', ['install', '--global', `pnpm@${pnpmVersion}`]);
  run('pnpm', ['install', '--frozen-lockfile']);
  run('pnpm', ['build']);

  let redisUrl;
  try {
    redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  } catch {
    redisUrl = null;
  }
  const redisAt = redisUrl && `${redisUrl.hostname}:${redisUrl.port || 6379}`;
  const local = redisUrl && ['127.0.0.1', 'localhost', '[::1]'].includes(redisUrl.hostname);
  if (!redisUrl) {
    fail('REDIS_URL is not a URL: give it as redis://host:port');
  } else if (!(await redisAnswers(redisUrl))) {
    if (!local) {
      fail(`Nothing answers at ${redisAt}. Check REDIS_URL, or unset it to use a Redis on this machine.`);
    } else if (!has('redis-server')) {
      fail(`Nothing answers at ${redisAt} and redis-server is not installed. Install it (apt-get install redis-server, or brew install redis) or set REDIS_URL to your Redis, then run npm start again.`);
    } else {
      say(`Nothing answers at ${redisAt}: starting redis-server on port ${redisUrl.port || 6379} for this session (nothing kept on disk).`);
      start('redis', 'redis-server', ['--port', redisUrl.port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
      for (let tries = 0; tries < 50 && !(await redisAnswers(redisUrl)); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  if (process.exitCode !== 1) {
    const env = { DEMO_FLEET: 'true' };
    if (!process.env.EPJ_FHIR_URL) {
      const epjPort = process.env.EPJ_PORT ?? '4100';
      start('epj', process.execPath, ['simulators/dist/cli.js', 'epj', '--port', epjPort]);
      env.EPJ_FHIR_URL = `http://127.0.0.1:${epjPort}/fhir`;
    }
    const manifest = path.resolve(root, process.env.FLEET_MANIFEST_PATH || '.knutepunkt/demo-fleet.json');
    env.FLEET_MANIFEST_PATH = manifest;
    let fleetStarted = false;
    start('hub', process.execPath, ['hub/dist/main.js'], env, (line) => {
      if (!fleetStarted && line.startsWith('Demo login') && existsSync(manifest)) {
        fleetStarted = true;
        start('fleet', process.execPath, ['simulators/dist/cli.js', 'fleet', '--manifest', manifest]);
        say('The simulated fleet is sending alarms. Open the console URL above and log in.');
        say(`In another terminal: pnpm sim fall --resident Astrid   (pnpm sim list shows every resident)`);
      }
    });
  }
}
