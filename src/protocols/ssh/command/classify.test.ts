import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  classifyArgv,
  classifyExec,
  classifySession,
  classifySftp,
  classifyShellInput,
  MAX_COMMAND_LENGTH,
} from './index.ts'

const needs = (command: string) => classifyExec(command, 'deploy').needs.map((n) => `${n.verb}:${n.object}`)
const traits = (command: string) => classifyExec(command, 'deploy').traits
const refused = (command: string) => classifyExec(command, 'deploy').unclassified

test('a plain command needs exec:<login>:<program and arguments>, the program resolved to one path', () => {
  assert.deepEqual(needs('systemctl status web'), ['exec:deploy:systemctl status web'])
  assert.deepEqual(needs('/usr/bin/systemctl  status   web'), ['exec:deploy:systemctl status web'])
  assert.deepEqual(needs('/bin/systemctl status web'), ['exec:deploy:systemctl status web'])
  assert.deepEqual(needs('./systemctl status web'), ['exec:deploy:./systemctl status web'])
  assert.deepEqual(needs('/tmp/systemctl status web'), ['exec:deploy:/tmp/systemctl status web'])
  assert.deepEqual(needs('s\'y\'st"emctl" status web'), ['exec:deploy:systemctl status web'])
  assert.deepEqual(needs('journalctl -u web | grep -i error'), [
    'exec:deploy:journalctl -u web | grep -i error',
  ])
  assert.deepEqual(needs('echo "a b" \'c:d\' >/tmp/o 2>&1'), ["exec:deploy:echo 'a b' 'c:d' >/tmp/o 2>&1"])
  assert.deepEqual(needs('ls;'), ['exec:deploy:ls'])
  assert.deepEqual(needs('a && b || c; d & e'), ['exec:deploy:a && b || c ; d & e'])
})

test('expansions, substitutions, globs and compound commands need the whole login', () => {
  for (const c of [
    'echo $HOME',
    `echo \${IFS}`,
    'echo "$(id)"',
    'echo `id`',
    'ls *.log',
    'ls ~',
    'echo {a,b}',
    'cat <(ls)',
    'if true; then ls; fi',
    '(ls)',
    '{ ls; }',
    'f() { ls; }; f',
    '! ls',
    '[[ -f x ]]',
    "cat <<'EOF'\nx\nEOF\n",
    'ls # comment',
    'for i in 1 2; do echo $i; done',
    "$'\\x72m' -rf /",
    'x=$(id) ls',
  ])
    assert.deepEqual(needs(c), ['exec:deploy'], c)
})

test('a command the grammar cannot read, or outside the bounds, is unclassified (denied)', () => {
  for (const c of [
    "echo 'unclosed",
    'ls |',
    'if true; then',
    'echo $((1+',
    'ls \u0000 -la',
    'ls\u200b -la',
    'ls\u202e -la',
    'r\\\nm -rf /',
    '',
    '   ',
    'a\rb',
    'x'.repeat(MAX_COMMAND_LENGTH + 1),
    `${'a|'.repeat(300)}b`,
    `${'$('.repeat(200)}x${')'.repeat(200)}`,
    '('.repeat(5000),
    '"'.repeat(3),
  ])
    assert.ok(refused(c), JSON.stringify(c.slice(0, 40)))
  assert.ok(classifyExec('ls', 'bad:login').unclassified)
  assert.ok(classifyExec('ls', '*').unclassified)
})

test('unicode lookalikes are other programs, not the one they resemble', () => {
  assert.deepEqual(needs('ѕystemctl status web'), ["exec:deploy:'ѕystemctl' status web"])
  assert.ok(!traits('ｒｍ -rf /').includes('recursive-delete-root'))
})

test('guardrail traits: recursive deletion of / or a top-level directory, through wrappers and scripts', () => {
  for (const c of [
    'rm -rf /',
    'rm -fr /*',
    'rm -r --force /etc/',
    'rm -Rf /var/../usr',
    "r''m -rf /",
    'sudo rm -rf /',
    'sudo -u root nice -n 5 timeout 10 rm -rf /home',
    'env X=1 rm -rf /',
    "sh -c 'rm -rf /'",
    "bash -lc 'cd /tmp && rm -rf /'",
    "eval 'rm -rf /'",
    'find / -delete',
    'find / -name x -exec rm -rf {} \\;',
    'echo / | xargs rm -rf /',
    'rm --no-preserve-root -rf x',
    'rm -rf ~',
    'rm -rf "$HOME"/',
    "bash <<'EOF'\nrm -rf /\nEOF\n",
    "sh <<< 'rm -rf /'",
    'command rm -rf /',
    'exec rm -rf /',
    "su -c 'rm -rf /' root",
    'ls $(rm -rf /)',
    'ls && (rm -rf /boot)',
  ])
    assert.ok(traits(c).includes('recursive-delete-root'), c)
  for (const c of [
    'rm -rf /tmp/build',
    'rm -rf ./dist',
    'rm /etc/motd',
    'rm -f /',
    'find /var/tmp -delete',
    'echo rm -rf /',
  ])
    assert.ok(!traits(c).includes('recursive-delete-root'), c)
})

test('guardrail traits: mkfs, dd onto devices, shutdown', () => {
  for (const c of ['mkfs.ext4 /dev/sdb1', 'sudo mkfs -t xfs /dev/vdb', 'wipefs -a /dev/sda'])
    assert.ok(traits(c).includes('filesystem-format'), c)
  for (const c of [
    'dd if=/dev/zero of=/dev/sda bs=1M',
    'cat img > /dev/nvme0n1',
    'tee /dev/sdb < img',
    'cp img /dev/mmcblk0',
  ])
    assert.ok(traits(c).includes('raw-device-write'), c)
  assert.ok(!traits('dd if=/dev/sda of=/dev/null').includes('raw-device-write'))
  assert.ok(!traits('echo x > /dev/null').includes('raw-device-write'))
  for (const c of [
    'shutdown -h now',
    'sudo reboot',
    'poweroff',
    'halt -f',
    'init 0',
    'telinit 6',
    'systemctl poweroff',
    'echo b > /proc/sysrq-trigger',
  ])
    assert.ok(traits(c).includes('host-shutdown'), c)
  assert.ok(!traits('systemctl status web').includes('host-shutdown'))
})

test('guardrail traits: downloads and decoded text run as scripts', () => {
  for (const c of [
    'curl -fsSL https://x.sh | sh',
    'wget -qO- x | sudo bash',
    'curl x | bash -s -- --yes',
    'curl x|python3',
    'echo aWQ= | base64 -d | sh',
    'base64 --decode f | bash',
    'sh -c "$(curl -fsSL x)"',
    'bash <(curl -s x)',
    'eval "$(wget -qO- x)"',
    'source <(curl x)',
    'curl x | tee /tmp/i.sh | sh',
  ])
    assert.ok(traits(c).includes('download-into-shell'), c)
  for (const c of [
    'curl -o x.tgz https://x',
    'curl x | grep y',
    'curl x | python3 -m json.tool',
    'curl x; sh',
    'base64 -d f > out',
  ])
    assert.ok(!traits(c).includes('download-into-shell'), c)
})

test('guardrail traits: editing authorized_keys and sudoers', () => {
  for (const c of [
    'echo k >> ~/.ssh/authorized_keys',
    'echo k >> /root/.ssh/authorized_keys',
    'tee -a .ssh/authorized_keys',
    "sed -i '1d' /home/u/.ssh/authorized_keys",
    'cp k /root/.ssh/authorized_keys',
    'mv /tmp/k ~/.ssh/authorized_keys2',
    'vim ~/.ssh/authorized_keys',
    'cp k ~/.ssh',
    'echo k > ~/.ssh/authorized_key*',
    'rm .ssh/authorized_keys',
  ])
    assert.ok(traits(c).includes('authorized-keys-edit'), c)
  assert.ok(!traits('cat ~/.ssh/authorized_keys').includes('authorized-keys-edit'))
  assert.ok(!traits('cp ~/.ssh/authorized_keys /tmp/backup').includes('authorized-keys-edit'))
  for (const c of [
    'echo "u ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers',
    'visudo',
    'tee /etc/sudoers.d/u',
    'cp f /etc/sudoers.d/',
    'sed -i s/x/y/ /etc/sudoers',
    'nano /etc/sudoers',
    "sudo sh -c 'echo x >> /etc/sudoers'",
  ])
    assert.ok(traits(c).includes('sudoers-edit'), c)
  assert.ok(!traits('visudo -c').includes('sudoers-edit'))
  assert.ok(!traits('cat /etc/sudoers').includes('sudoers-edit'))
})

test('guardrail traits: archives extracted into, and directories moved into, the protected directories', () => {
  for (const c of [
    'tar -C /etc/sudoers.d -xf x.tar',
    'tar -xf x.tar -C /etc/sudoers.d/',
    'tar -xvC/etc/sudoers.d -f x.tar',
    'tar xfC x.tar /etc/sudoers.d',
    'tar --extract --file x.tar --dir=/etc/sudoers.d',
    'tar -xf x.tar --one-top-level=/etc/sudoers.d',
    'sudo tar -xf x.tar -C /etc',
    'tar -xf x.tar -C /',
    'unzip x.zip -d /etc/sudoers.d',
    'cpio -i -D /etc/sudoers.d',
    'cpio -pdm /etc/sudoers.d',
    'rsync -a x /etc/sudoers.d/',
    'mv /tmp/staged/sudoers.d /etc',
    'cp /tmp/sudoers /etc/',
    'curl -sSo /etc/sudoers.d/x https://example.com/x',
    'curl --output=/etc/sudoers.d/x https://example.com/x',
    'curl --output-dir /etc/sudoers.d -O https://example.com/x',
    'wget -qO /etc/sudoers.d/x https://example.com/x',
    'wget --directory-prefix=/etc/sudoers.d https://example.com/x',
    'tar -czf /etc/sudoers.d/x.tgz y',
    'dpkg-deb -x p.deb /etc/sudoers.d',
    '7z x a.7z -o/etc/sudoers.d',
    'patch -d /etc/sudoers.d -p1',
    'curl -D /etc/sudoers.d/x https://example.com/x',
    'curl -c /etc/sudoers.d/x https://example.com/x',
    'curl --trace-ascii /etc/sudoers.d/x https://example.com/x',
    'wget --save-cookies=/etc/sudoers.d/x https://example.com/x',
    'sort -o /etc/sudoers.d/x y',
  ])
    assert.ok(traits(c).includes('sudoers-edit'), c)
  // The command line does not name what is written: any file, both edits.
  for (const c of [
    'tar -xPf x.tar',
    'tar xPf x.tar',
    'tar --absolute-names -xf x.tar',
    'cpio -idm < x.cpio',
    'cpio --extract -F x.cpio',
    'curl -K cfg https://example.com/x',
    'curl --config=cfg https://example.com/x',
    'wget -e output_document=/etc/sudoers.d/x https://example.com/x',
    'wget --execute=dir_prefix=/etc/sudoers.d https://example.com/x',
  ]) {
    assert.ok(traits(c).includes('sudoers-edit'), c)
    assert.ok(traits(c).includes('authorized-keys-edit'), c)
  }
  for (const c of [
    'tar -cPf x.tar /etc/hostname',
    'tar -tPf x.tar',
    'cpio -idm --no-absolute-filenames < x.cpio',
    'cpio -o < list',
  ])
    assert.ok(!traits(c).includes('sudoers-edit'), c)
  for (const c of [
    'tar --directory=/root/.ssh -x -f x.tar',
    'tar --dir /home/u/.ssh -xf x.tar',
    'unzip -o -d/root/.ssh x.zip',
    'cpio -idm --directory=/root/.ssh',
    'mv /tmp/staged/.ssh /root',
    'cp -r /tmp/staged/.ssh ~',
  ])
    assert.ok(traits(c).includes('authorized-keys-edit'), c)
  for (const c of [
    'tar -C /etc/sudoers.d -cf /tmp/x.tar .',
    'tar -tvf x.tar -C /etc',
    'tar -C /tmp -xf x.tar',
    'unzip x.zip -d /tmp/out',
    'cpio -o -H newc',
    'tar -czf /tmp/x.tgz /etc/sudoers.d',
    'tar -xf /etc/sudoers.d.tar -C /tmp',
    'curl -o /tmp/x https://example.com/sudoers',
    'wget -P /tmp https://example.com/x',
    'dpkg-deb -c /etc/sudoers.d/x.deb',
    'cp -r conf /etc/nginx',
    'mv /tmp/staged/sudoers.d /tmp',
  ])
    assert.deepEqual(
      traits(c).filter((t) => t.endsWith('-edit')),
      [],
      c,
    )
})

test('every program found is a trait, for rules that hold or deny a program', () => {
  assert.deepEqual(
    traits('sudo systemctl restart web').filter((t) => t.startsWith('program:')),
    ['program:sudo', 'program:systemctl'],
  )
  assert.ok(traits("python3 -c 'import os'").includes('program:python3'))
})

test('shell input lines: needs shell:<login>, the same traits, no refusal for a partial line', () => {
  const line = classifyShellInput('sudo rm -rf /', 'root')
  assert.deepEqual(line.needs, [{ verb: 'shell', object: 'root' }])
  assert.ok(line.traits.includes('recursive-delete-root'))
  const partial = classifyShellInput('for f in *; do', 'root')
  assert.equal(partial.unclassified, undefined)
  assert.deepEqual(partial.traits, ['unparsed-input'])
})

test('sftp: paths normalised per login; writes onto authorized_keys and sudoers carry the traits', () => {
  assert.deepEqual(classifySftp('read', '/var/log/../log//syslog', 'deploy').needs, [
    { verb: 'sftp-read', object: 'deploy:/var/log/syslog' },
  ])
  assert.deepEqual(classifySftp('write', 'uploads/a.txt', 'deploy').needs, [
    { verb: 'sftp-write', object: 'deploy:~/uploads/a.txt' },
  ])
  assert.ok(classifySftp('read', '../../etc/shadow', 'deploy').unclassified)
  assert.ok(classifySftp('read', '/etc/\u0000x', 'deploy').unclassified)
  assert.deepEqual(classifySftp('write', '.ssh/authorized_keys', 'deploy').traits, ['authorized-keys-edit'])
  assert.deepEqual(classifySftp('write', '/etc/sudoers.d/x', 'root').traits, ['sudoers-edit'])
})

test('sessions: shell and port forwarding per login', () => {
  assert.deepEqual(classifySession('shell', 'root').needs, [{ verb: 'shell', object: 'root' }])
  assert.deepEqual(classifySession('port-forward', 'deploy', 'localhost:5432').needs, [
    { verb: 'port-forward', object: 'deploy:localhost:5432' },
  ])
  assert.ok(classifySession('port-forward', 'deploy', 'x y').unclassified)
})

test('port forwarding: a numeric host is an address only as a canonical dotted quad (outside review)', () => {
  for (const host of [
    '10.0.0.1',
    '127.0.0.1',
    '255.255.255.255',
    'db.internal',
    'db-1',
    '[::1]',
    '::1',
    '10.0.0.1x',
  ])
    assert.equal(classifySession('port-forward', 'deploy', `${host}:5432`).unclassified, undefined, host)
  // Covered by a scope `10.0.0.*` as text, but not that address: DNS (with search domains) or inet_aton's
  // octal, hex and short forms reach other hosts.
  for (const host of [
    '10.0.0.1.2',
    '10.0.0.012',
    '0x0a.0.0.1',
    '167772161',
    '10.1',
    '10.0.0.256',
    '10.0.0.1.',
  ])
    assert.ok(classifySession('port-forward', 'deploy', `${host}:5432`).unclassified, host)
})

test('wrappers and scripts that hide a program are read: su -c, sh -c --, --norc, busybox, $IFS, text piped into a shell', () => {
  for (const c of [
    "su root -c 'rm -rf /'",
    "sh -c -- 'rm -rf /'",
    "bash --norc -c 'rm -rf /'",
    'busybox rm -rf /',
    `rm\${IFS}-rf\${IFS}/`,
    'cat <<EOF | sh\nrm -rf /\nEOF\n',
    "echo 'rm -rf /' | sh",
    'printf "rm -rf /\\n" | bash',
    'cat <<EOF\n$(rm -rf /)\nEOF\n',
  ])
    assert.ok(traits(c).includes('recursive-delete-root'), c)
  assert.ok(refused("echo 'echo \"unclosed' | sh"), 'text piped into a shell that does not parse is refused')
})

test('export, local and appending or indexed assignments have no command form', () => {
  for (const c of ['export FOO=bar', 'declare -x A=1', 'A+=x ls', 'a[$(id)]=1 ls'])
    assert.deepEqual(needs(c), ['exec:deploy'], c)
})

test('an argument vector (Kubernetes exec) is classified without a shell', () => {
  const a = classifyArgv(['/bin/ls', '-la', 'a;b'], 'app')
  assert.deepEqual(a.needs, [{ verb: 'exec', object: "app:ls -la 'a;b'" }])
  assert.ok(classifyArgv(['sh', '-c', 'rm -rf /'], 'app').traits.includes('recursive-delete-root'))
  assert.ok(classifyArgv(['sh', '-c', "echo 'x"], 'app').unclassified)
  assert.ok(classifyArgv(['ls', 'a\u0000b'], 'app').unclassified)
  assert.ok(classifyArgv([], 'app').unclassified)
})

test('the shell tripwire reads a line through terminal escapes left by line editing', () => {
  assert.ok(classifyShellInput('\u001b[Arm -rf /\u0007', 'root').traits.includes('recursive-delete-root'))
})

test('where the grammar and bash split words differently, the command has no command form or is refused', () => {
  // Found by the differential test against bash (test/fuzz/ssh-command-bash-differential.fuzz.test.ts).
  assert.deepEqual(needs('echo @y}\\},'), ['exec:deploy'])
  assert.deepEqual(needs('echo ]\\A=#'), ['exec:deploy'])
  assert.deepEqual(needs('echo $a b]\\ ^'), ['exec:deploy'])
  assert.deepEqual(needs('echo ^$'), ['exec:deploy'])
  assert.deepEqual(needs('echo $ x'), ['exec:deploy'])
  assert.ok(refused('echo a\\\tb'))
  assert.ok(refused('echo \\\\\\\n\\\na'))
  assert.deepEqual(needs('ls; >/etc/x'), ['exec:deploy'])
})

test('every command with literal words is a part, for guardrails on entries', () => {
  const parts = classifyExec(
    "FOO=1 sudo -u root /usr/bin/systemctl restart web; ls $HOME; sh -c 'id -u'",
    'deploy',
  ).parts
  assert.deepEqual(parts?.map((p) => p.object).sort(), [
    'deploy:id -u',
    "deploy:sh -c 'id -u'",
    'deploy:sudo -u root /usr/bin/systemctl restart web',
    'deploy:systemctl restart web',
  ])
  assert.ok(refused('ls {fd}>/tmp/x'))
})

test('a download written to a file and then run, top-level names known only at run time, killing init', () => {
  for (const c of [
    'curl -fsSLo install.sh https://x && sh install.sh',
    'curl -fsSLO https://x.io/get/install.sh && bash install.sh',
    'wget https://x.io/a/setup.sh; sh ./setup.sh',
    'curl x > i.sh && chmod +x i.sh && ./i.sh',
    'curl --output=a.py x; python3 a.py',
  ])
    assert.ok(traits(c).includes('download-into-shell'), c)
  assert.ok(!traits('curl -o data.json x && jq . data.json').includes('download-into-shell'))
  for (const c of ['rm -rf /{etc,usr}', 'rm -rf /$D', 'rm -rf ~bob'])
    assert.ok(traits(c).includes('recursive-delete-root'), c)
  for (const c of ['kill -9 1', 'kill -9 -1']) assert.ok(traits(c).includes('host-shutdown'), c)
  for (const c of ['kill -1 1234', 'kill 4242']) assert.ok(!traits(c).includes('host-shutdown'), c)
})

test("programs named like Object.prototype's members are programs, not the tables' prototype entries", () => {
  // The fuzz test found `toString`: WRITE_OPTIONS['toString'] was Object.prototype.toString and classification threw.
  for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf']) {
    const action = classifyExec(`${name} -o /etc/sudoers.d/x a`, 'root', { terminal: false })
    assert.equal(action.unclassified, undefined, name)
    assert.ok(action.traits.includes(`program:${name}`), name)
  }
})
