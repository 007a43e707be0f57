// The target's SFTP server through ssh2's client, as promises over raw handles and flags: what the relay
// forwards each client request to. Errors keep the server's SFTP status in `code`.
import type { Attributes, Client, FileEntry, SFTPWrapper } from 'ssh2'

export interface SftpClient {
  realpath(path: string): Promise<string>
  open(path: string, flags: number, attrs: unknown): Promise<Buffer>
  /** undefined at end of file. */
  read(handle: Buffer, offset: number, length: number): Promise<Buffer | undefined>
  write(handle: Buffer, offset: number, data: Buffer): Promise<void>
  close(handle: Buffer): Promise<void>
  fstat(handle: Buffer): Promise<Attributes>
  fsetstat(handle: Buffer, attrs: Attributes): Promise<void>
  opendir(path: string): Promise<Buffer>
  /** undefined at the end of the directory. */
  readdir(handle: Buffer): Promise<FileEntry[] | undefined>
  stat(path: string): Promise<Attributes>
  lstat(path: string): Promise<Attributes>
  readlink(path: string): Promise<string>
  unlink(path: string): Promise<void>
  rmdir(path: string): Promise<void>
  mkdir(path: string, attrs: Attributes): Promise<void>
  setstat(path: string, attrs: Attributes): Promise<void>
  rename(from: string, to: string): Promise<void>
  symlink(target: string, link: string): Promise<void>
  end(): void
}

const EOF = 1
/** Largest read forwarded at once (OpenSSH's sftp asks 32 KiB; its server answers at most 256 KiB). */
const MAX_READ = 256 * 1024

type Done<T> = (error: Error | null | undefined, value?: T) => void

function call<T>(run: (done: Done<T>) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value as T))),
  )
}

export function upstreamSftp(client: Client): Promise<SftpClient> {
  return call<SFTPWrapper>((done) => client.sftp(done)).then((s) => wrap(s))
}

function wrap(s: SFTPWrapper): SftpClient {
  const raw = s as unknown as Record<string, (...args: unknown[]) => void>
  return {
    realpath: (path) => call((d) => s.realpath(path, d)),
    open: (path, flags, attrs) => call((d) => raw.open!(path, flags, attrs ?? {}, d)),
    read: (handle, offset, length) =>
      new Promise((resolve, reject) => {
        const buffer = Buffer.allocUnsafe(Math.min(length, MAX_READ))
        s.read(handle, buffer, 0, buffer.length, offset, (error, bytes, data) => {
          if (error) return (error as { code?: number }).code === EOF ? resolve(undefined) : reject(error)
          resolve(bytes === 0 ? undefined : Buffer.from(data.subarray(0, bytes)))
        })
      }),
    write: (handle, offset, data) => call((d) => s.write(handle, data, 0, data.length, offset, d)),
    close: (handle) => call((d) => s.close(handle, d)),
    fstat: (handle) => call((d) => s.fstat(handle, d)),
    fsetstat: (handle, attrs) => call((d) => s.fsetstat(handle, attrs, d)),
    opendir: (path) => call((d) => s.opendir(path, d)),
    readdir: (handle) =>
      new Promise((resolve, reject) =>
        raw.readdir!(handle, { full: true }, (error: { code?: number } | undefined, list: FileEntry[]) => {
          if (error) return error.code === EOF ? resolve(undefined) : reject(error)
          resolve(list)
        }),
      ),
    stat: (path) => call((d) => s.stat(path, d)),
    lstat: (path) => call((d) => s.lstat(path, d)),
    readlink: (path) => call((d) => s.readlink(path, d)),
    unlink: (path) => call((d) => s.unlink(path, d)),
    rmdir: (path) => call((d) => s.rmdir(path, d)),
    mkdir: (path, attrs) => call((d) => s.mkdir(path, attrs, d)),
    setstat: (path, attrs) => call((d) => s.setstat(path, attrs, d)),
    rename: (from, to) => call((d) => s.rename(from, to, d)),
    symlink: (target, link) => call((d) => s.symlink(target, link, d)),
    end: () => s.end(),
  }
}
