// Writes onto authorized_keys and sudoers through programs whose command line names the file in an option
// (dd of=, openssl -out, aria2c -d/-o, git -C/clone), through the working directory (`cd /etc/sudoers.d &&
// …`, `tar -xf x.tar` in the home), through configs curl, wget and git read unasked, through names found at
// run time (find -exec, xargs) copied into a home, and what stays allowed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyExec, classifySftp } from './index.ts'

const KEYS = 'authorized-keys-edit'
const SUDOERS = 'sudoers-edit'
const edits = (command: string): string[] => {
  const action = classifyExec(command, 'root')
  assert.equal(action.unclassified, undefined, command)
  return action.traits.filter((t) => t === KEYS || t === SUDOERS)
}

const cases: readonly (readonly [string, string])[] = [
  // A file an option or operand of these programs names.
  ['dd if=/tmp/k of=~/.ssh/authorized_keys', KEYS],
  ['dd if=/tmp/k of=/etc/sudoers.d/x', SUDOERS],
  ['openssl enc -d -aes256 -in /tmp/k -out ~/.ssh/authorized_keys', KEYS],
  ['openssl base64 -d -in /tmp/k --out /etc/sudoers.d/x', SUDOERS],
  ['openssl req -new -keyout /etc/sudoers.d/x -out /tmp/r', SUDOERS],
  ['aria2c -d ~/.ssh -o authorized_keys https://x/k', KEYS],
  ['aria2c -d /etc/sudoers.d -o x https://x/k', SUDOERS],
  ['aria2c --dir=/etc --out=sudoers https://x/k', SUDOERS],
  ['aria2c -d /etc/sudoers.d https://x/k', SUDOERS],
  ['git clone https://x/k ~/.ssh', KEYS],
  ['git clone -b main https://x/k.git /etc/sudoers.d', SUDOERS],
  ['git -C ~/.ssh pull', KEYS],
  ['git -C /etc/sudoers.d checkout .', SUDOERS],
  ['git -C / checkout .', SUDOERS],
  ['git --work-tree=/etc/sudoers.d checkout .', SUDOERS],
  ['git -c core.worktree=/etc/sudoers.d checkout .', SUDOERS],
  ['git config core.worktree /etc/sudoers.d', SUDOERS],
  ['git --git-dir=/tmp/evil.git checkout .', SUDOERS],
  ['GIT_WORK_TREE=/etc/sudoers.d git checkout .', SUDOERS],
  ['ln -s /etc/sudoers.d /tmp/d', SUDOERS],
  ['ln -s ~/.ssh/authorized_keys /tmp/k', KEYS],
  ["sed -n 'w /etc/sudoers.d/x' /tmp/k", SUDOERS],
  ['sed -n s/a/b/w\\ /root/.ssh/authorized_keys /tmp/k', KEYS],
  ['patch ~/.ssh/authorized_keys /tmp/x.diff', KEYS],
  // A directory's contents copied into a home, / or /etc.
  ['rsync -a /tmp/home/ ~/', KEYS],
  ['rsync -a /tmp/home/ /root', KEYS],
  ['cp -a /tmp/home/. ~', KEYS],
  ['cp -rT /tmp/home ~', KEYS],
  ['cp -r /tmp/etc /', SUDOERS],
  ['cp -r /tmp/home /', KEYS],
  // Archives and patches in the working directory (the home), or with -C/-d onto a home.
  ['tar -xf /tmp/x.tar', KEYS],
  ['tar xzf /tmp/x.tgz', KEYS],
  ['tar -xf /tmp/x.tar -C ~', KEYS],
  ['tar -xf /tmp/x.tar -C /root', KEYS],
  ['tar -xf /tmp/x.tar -C /home/bob', KEYS],
  ['sudo -u bob tar -xf x.tar -C ~bob', KEYS],
  ['tar -xf x.tar -C "$D"', SUDOERS],
  ['unzip /tmp/x.zip', KEYS],
  ['unzip /tmp/x.zip -d ~', KEYS],
  ['cpio -idm --no-absolute-filenames < /tmp/x.cpio', KEYS],
  ['7z x a.7z', KEYS],
  ['patch -p1 < /tmp/x.diff', KEYS],
  ['patch -p1 -i x.diff', KEYS],
  ['patch -d ~ -p1 < /tmp/x.diff', KEYS],
  ['git pull', KEYS],
  // Names found when the command runs, copied or moved into a home, /etc or a .ssh.
  ['echo /tmp/dot/.ssh | xargs mv -t ~', KEYS],
  ['find /tmp/dot -maxdepth 1 -exec cp -r {} ~ ;', KEYS],
  ['ls | xargs -I{} cp {} ~', KEYS],
  ['ls | xargs -I % mv % /root', KEYS],
  ['xargs -i cp {} /etc', SUDOERS],
  ['echo ~ | xargs cp -r /tmp/dot/.', KEYS],
  // Downloads into the working directory or a directory an option names.
  ['wget -r https://x/', KEYS],
  ['wget -i urls.txt -P ~/.ssh', KEYS],
  // Configs read unasked: written, or moved by the environment, or named by an option.
  ["echo 'output = /etc/sudoers.d/x' > ~/.curlrc", SUDOERS],
  ["echo 'output_document = /etc/sudoers.d/x' >> ~/.wgetrc", KEYS],
  ['cp /tmp/rc /root/.config/curlrc', SUDOERS],
  ['CURL_HOME=/tmp/h curl https://x/k', SUDOERS],
  ['WGETRC=/tmp/rc wget https://x/k', SUDOERS],
  ['export WGETRC=/tmp/rc; wget https://x/k', SUDOERS],
  ['env W"GETRC"=/tmp/rc wget https://x/k', SUDOERS],
  ['HOME=/tmp curl https://x/k', KEYS],
  ['wget --config=/tmp/rc https://x/k', SUDOERS],
  ['aria2c -i /tmp/list', SUDOERS],
  ['aria2c --conf-path=/tmp/c https://x/k', SUDOERS],
  // The working directory, followed through the line.
  ['cd ~/.ssh && cp /tmp/authorized_keys .', KEYS],
  ['cd ~/.ssh && mv /tmp/x/authorized_keys ./', KEYS],
  ['cd && cd .ssh && cp /tmp/authorized_keys .', KEYS],
  ['cd ~/.ssh && curl -O https://x/k', KEYS],
  ['cd ~/.ssh && aria2c https://x/k', KEYS],
  ['cd ~/.ssh && dd if=/tmp/k of=authorized_keys', KEYS],
  ['cd ~/.ssh/.. && tar -xf x.tar', KEYS],
  ['cd /etc/sudoers.d && echo x > y', SUDOERS],
  ['cd /etc/sudoers.d && tee y < /tmp/k', SUDOERS],
  ['cd /etc/sudoers.d; mv /tmp/k y', SUDOERS],
  ['cd /etc/sudoers.d && cp /tmp/k .', SUDOERS],
  ['cd /etc/sudoers.d && curl -o x https://x/k', SUDOERS],
  ['cd /etc/sudoers.d; wget https://x/k', SUDOERS],
  ['cd /etc/sudoers.d && dd if=/tmp/k of=x', SUDOERS],
  ['cd /etc/sudoers.d && openssl enc -d -in /tmp/k -out x', SUDOERS],
  ['cd /etc/sudoers.d/ && ln -s /tmp/x y', SUDOERS],
  ['cd /etc/sudo*.d && tee y', SUDOERS],
  ['cd /etc && cp /tmp/sudoers .', SUDOERS],
  ['cd /etc && tee sudoers.d/x', SUDOERS],
  ['cd /etc && tar -xf /tmp/x.tar', SUDOERS],
  ["cd /etc && sed -n 'w sudoers.d/x' /tmp/k", SUDOERS],
  ['cd /etc; cd sudoers.d; tee y', SUDOERS],
  ['cd / && tar -xf /tmp/x.tar', SUDOERS],
  ['cd /home && tar -xf x.tar', KEYS],
  ['cd ~root && tar xf x.tar', KEYS],
  ['cd .. && tar xf x.tar', KEYS],
  ['cd ~ && rsync -a /tmp/dot/ .', KEYS],
  ['cd -P -- /etc/sudoers.d && tee y', SUDOERS],
  ['builtin cd /etc/sudoers.d && echo x > y', SUDOERS],
  ['command cd /etc/sudoers.d && echo x > y', SUDOERS],
  ['pushd /etc >/dev/null; cd sudoers.d; echo x > y', SUDOERS],
  ['cd /etc/sudoers.d && sudo tee y', SUDOERS],
  ['cd /etc/sudoers.d && find /tmp -name x -exec cp {} . ;', SUDOERS],
  ['cd /etc/sudoers.d || exit; echo x > y', SUDOERS],
  ['sh -c "cd /etc/sudoers.d; tee y"', SUDOERS],
  ['(cd /etc/sudoers.d && tee y)', SUDOERS],
  ['echo $(cd /etc/sudoers.d && tee y)', SUDOERS],
  ['bash <<EOF\ncd /etc/sudoers.d\ntee y\nEOF\n', SUDOERS],
  // Where the line cannot say which directory a relative path is in: any.
  ['cd $D && echo x > y', SUDOERS],
  ['cd "$(mktemp -d)" && tar -xf /tmp/x.tar', KEYS],
  ['cd - && echo x > y', SUDOERS],
  ['popd; echo x > y', SUDOERS],
  ['eval cd /etc/sudoers.d; echo x > y', SUDOERS],
  ['source /tmp/env; echo x > y', SUDOERS],
  ['for d in /etc/sudoers.d; do cd $d; done; echo x > y', SUDOERS],
  ['for i in 1 2; do echo x > y; cd /etc/sudoers.d; done', SUDOERS],
  ['{ cd /etc/sudoers.d; }; echo x > y', SUDOERS],
  ['f() { cd /etc/sudoers.d; }; f; echo x > y', SUDOERS],
  ['if true; then cd /etc/sudoers.d; fi; echo x > y', SUDOERS],
  ['CDPATH=/etc cd sudoers.d && echo x > y', SUDOERS],
  ['export CDPATH=/etc; cd sudoers.d && echo x > y', SUDOERS],
]

test('writes onto authorized_keys or sudoers through options, configs and the working directory', () => {
  for (const [command, trait] of cases) assert.ok(edits(command).includes(trait), `${command} → ${trait}`)
})

test('ordinary commands are not edits: reading, listing, extracting or downloading elsewhere', () => {
  for (const command of [
    'cat file',
    'ls -la',
    'tar -tf /tmp/x.tar',
    'tar -tzf x.tgz',
    'tar -xOf x.tar etc/app.conf',
    'tar -czf /tmp/backup.tgz -C ~ .',
    'tar -xf /tmp/x.tar -C /tmp/build',
    'cd /tmp/build && tar -xf /tmp/x.tar',
    'mkdir -p /tmp/x && cd /tmp/x && tar -xf /tmp/a.tar',
    'tar -xf x.tar -C /tmp/b && cd /tmp/b && ls',
    'cd "$HOME/app" && tar xf a.tar',
    'unzip -l x.zip',
    'unzip -p x.zip f',
    'unzip -t x.zip',
    'unzip x.zip -d /tmp/o',
    'cd /srv && unzip x.zip',
    'git status',
    'git log --oneline -5',
    'git diff',
    'git fetch --all',
    'git branch -a',
    'git config user.name x',
    'git -C /srv/app status',
    'git -C /srv/app pull',
    'cd /srv/app && git pull',
    'cd /srv/app && git checkout main',
    'git clone https://x/k',
    'git clone https://x/k.git /srv/app',
    'systemctl status web',
    'systemctl restart web',
    'journalctl -u web | grep -i error',
    'curl https://x/k',
    'curl -o /tmp/x https://x/k',
    'curl -O https://x/f.tgz',
    'cd /tmp && curl -O https://x/k',
    'wget https://x/k',
    'wget -O /tmp/x https://x/k',
    'aria2c https://x/f.iso',
    'aria2c -d /tmp -o x https://x/k',
    'dd if=/dev/zero of=/tmp/x bs=1M count=1',
    'dd if=/dev/zero of=disk.img bs=1M count=10',
    'openssl x509 -in c.pem -noout -text',
    'openssl enc -d -in a -out /tmp/b',
    'openssl req -x509 -newkey rsa:2048 -keyout key.pem -out cert.pem -days 1 -nodes',
    'cp a b',
    'cp -r src/ /srv/app/',
    'cp -a /srv/app/. /srv/backup',
    'cp ~/.ssh/authorized_keys /tmp/backup',
    'rsync -a /srv/a/ /srv/b/',
    'ln -s /srv/app/current /srv/app/live',
    'ln -sf ../shared/config /srv/app/config',
    'install -m 755 bin /usr/local/bin/x',
    'echo x > out.txt',
    'cd /srv/app && echo x > out.txt',
    'cd /tmp; echo hi > out.txt',
    'echo x > /tmp/x; cd /tmp && ls',
    '(cd /srv && make) > build.log',
    'sh -c "cd /srv && tar -xf a.tar"',
    'cd /srv && sh -c "tar -xf a.tar"',
    'for f in *.log; do gzip "$f"; done',
    "sed -i 's/a/b/' config.yml",
    "sed -n '/error/w errors.txt' app.log",
    'sed -n 1p file',
    'tee /tmp/x',
    'truncate -s 0 /var/log/app.log',
    'patch config.yml < fix.diff',
    'patch -p1 -d /srv/app < x.diff',
    'cd /srv/app && patch -p1 < x.diff',
    'cd /etc && cat sudoers',
    'cd ~/.ssh && cat authorized_keys',
    'cd ~/.ssh && ls -la',
    'cd /var/log && grep err syslog',
    'cd - && ls',
    'popd',
    'cat ~/.curlrc',
    'HOME=/tmp ls',
    'env | grep HOME',
    'find . -name "*.log" | xargs cp -t /srv/backup',
    'find . -name "*.log" -exec cp {} /srv/backup/ ;',
    'ls *.txt | xargs -I{} cp {} /backup/',
    'find /tmp -name "*.tmp" | xargs rm -f',
    'find . -name "*.py" -exec sed -i s/a/b/ {} +',
  ])
    assert.deepEqual(edits(command), [], command)
})

test('tables answer for their own keys only: prototype names as programs and options', () => {
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    for (const command of [
      `${name} -o /tmp/x`,
      `git ${name}`,
      `git -C /srv/app ${name}`,
      `openssl enc -${name} /tmp/x`,
      `tar -xf x.tar --${name}=/tmp`,
      `cd /srv && ${name} -C /tmp`,
    ])
      assert.equal(classifyExec(command, 'root').unclassified, undefined, command)
  }
})

test('an SFTP write onto a config curl or wget reads unasked is an edit, like an exec one', () => {
  assert.ok(classifySftp('write', '.curlrc', 'root').traits.includes(SUDOERS))
  assert.ok(classifySftp('write', '/etc/wgetrc', 'root').traits.includes(KEYS))
  assert.deepEqual(classifySftp('write', 'notes/curlrc.txt', 'root').traits, [])
})
