#!/usr/bin/env node
// The browser tests drive Debian's chromium (never a downloaded browser build). Install it when
// missing, as root or through sudo; otherwise say exactly what to run.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.CWB_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
const hasSudo = existsSync('/usr/bin/sudo');
if (!hasApt || (!isRoot && !hasSudo)) {
  console.error(`The browser tests need Chromium at ${CHROMIUM}. Install Debian's package (sudo apt-get install chromium) or set CWB_CHROMIUM to a Chromium binary.`);
  process.exit(1);
}
const sudo = isRoot ? '' : 'sudo ';
console.error('Installing Debian chromium for the browser tests ...');
execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null`, { stdio: 'inherit', shell: '/bin/bash' });
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get finished but ${CHROMIUM} is still missing`);
  process.exit(1);
}
