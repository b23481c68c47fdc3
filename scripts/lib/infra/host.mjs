// What this machine offers: root or not, binaries on the PATH, local users, Debian packages
// (installed when missing and root; otherwise an InfraError says what to install).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors.mjs';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = fs.existsSync('/etc/debian_version') && Boolean(findBinary('apt-get'));

export function findBinary(name) {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** uid/gid of a local user, from /etc/passwd. */
export function localUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === name) return { uid: Number(fields[2]), gid: Number(fields[3]) };
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** Can `user` (uid/gid) do `test <flag> target`? (e.g. -x: reach/execute, -w: write) */
export function userCan(user, flag, target) {
  const result = spawnSync(findBinary('test') ?? '/usr/bin/test', [flag, target], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
  });
  return result.status === 0;
}

let aptUpdated = false;

/**
 * Makes sure the Debian packages providing missing binaries are installed: as root on Debian it
 * installs them (without letting their init scripts start system services); otherwise it throws
 * an InfraError saying exactly what to install.
 */
export function ensurePackages(packages, why, log) {
  if (packages.length === 0) return;
  const list = packages.join(' ');
  if (!isRoot || !isDebian) {
    throw new InfraError(
      `${why} needs ${list}, which is not installed.\n` +
        (isDebian
          ? `Install it with:  sudo apt-get install -y ${list}`
          : `Install the packages providing ${list} (on Debian/Ubuntu: apt-get install -y ${list}), ` +
            'or point DATABASE_URL / NATS_URL / REDIS_URL at running servers.'),
    );
  }
  log(`installing Debian packages: ${list}`);
  // A policy-rc.d that answers 101 keeps the packages' init scripts from starting system-wide
  // services: we start our own servers and must leave nothing else running.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      if (update.status !== 0)
        throw new InfraError(`apt-get update failed (exit ${update.status})`);
      aptUpdated = true;
    }
    const install = spawnSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', ...packages],
      { stdio: 'inherit', env },
    );
    if (install.status !== 0) {
      throw new InfraError(`apt-get install -y ${list} failed (exit ${install.status})`);
    }
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
}

/** The path of binary `name`, installing Debian package `pkg` first when it is missing. */
export function requireBinary(name, pkg, why, log) {
  let found = findBinary(name);
  if (!found) {
    ensurePackages([pkg], why, log);
    found = findBinary(name);
    if (!found) throw new InfraError(`${pkg} is installed but ${name} was not found on PATH`);
  }
  return found;
}
