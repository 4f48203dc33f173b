import { displayValue, fieldString, sourceOf, type Alert } from '../alert.js';
import type { RichText } from './rich-text.js';

/**
 * The "detailed analysis" of a report: what the alert's fields mean, not just what
 * they say. Each explanation is written for a field and, where it matters, for its
 * value (a -1 login uid, the `host` container, an errno).
 */
export interface FieldExplanation {
  /** Short heading, e.g. "Process ancestry". */
  topic: string;
  text: RichText;
}

const v = (value: string) => ({ value });

/** Falco's execve flags (libs: PPM_EXE_*), printed in `evt.arg.flags` / `exe_flags`. */
const EXE_FLAGS: Record<string, string> = {
  EXE_WRITABLE:
    'the executable file is writable by the user that ran it (it could have been replaced or modified by that user)',
  EXE_UPPER_LAYER:
    "the executable is in the container's writable upper layer: it was created or changed after the container started, it is not from the image",
  EXE_LOWER_LAYER:
    "the executable comes from the image's read-only lower layer, i.e. it shipped with the image",
  EXE_FROM_MEMFD:
    'the executable was loaded from a memfd: an in-memory file with no path on disk (fileless execution)',
};

/** Common errno names Falco prints in `evt.res`. */
const ERRNO: Record<string, string> = {
  EACCES: 'permission denied: the kernel refused the call, so the attempt failed',
  EPERM: 'operation not permitted: the kernel refused the call, so the attempt failed',
  ENOENT: 'no such file or directory: the target did not exist',
  EEXIST: 'the target already existed',
  ECONNREFUSED: 'the connection was refused by the remote side',
  EINPROGRESS: 'a non-blocking connection was started; it may or may not have completed',
  ETIMEDOUT: 'the connection timed out',
  EAGAIN: 'the resource was temporarily unavailable',
  ENOSYS: 'the system call is not implemented on this kernel',
};

export function explainFields(alert: Alert): FieldExplanation[] {
  const out: FieldExplanation[] = [];
  const f = (k: string) => fieldString(alert, k);
  const src = sourceOf(alert);

  if (alert.uuid)
    out.push({
      topic: 'Event id',
      text: [
        'Falcosidekick event id ',
        v(alert.uuid),
        ': quote it when you search your Falcosidekick outputs.',
      ],
    });
  out.push({
    topic: 'Source',
    text: [
      v(src),
      src === 'syscall'
        ? ": a system call seen by Falco's kernel driver on the host."
        : src === 'k8s_audit'
          ? ': a Kubernetes API server audit event. It describes an API request, not a process, and is reported the same by every Falco that reads the audit log.'
          : ': an event from a Falco plugin reading a cloud or SaaS audit log; it describes an API call, not a process on a host.',
      ...(alert.source === undefined
        ? [
            ' (the alert has no `source`: older Falco versions sent none, and they only had syscall rules).',
          ]
        : []),
    ],
  });

  // Who
  const loginuid = alert.output_fields['user.loginuid'];
  if (loginuid !== undefined && loginuid !== null) {
    const n = Number(loginuid);
    out.push({
      topic: 'Login session',
      text:
        n === -1 || n === 4294967295
          ? [
              '`user.loginuid` is ',
              v(String(loginuid)),
              ': the process is not part of any login session (a service, a container entrypoint, or a `kubectl exec`/`docker exec` session), so no human login on the node started it.',
            ]
          : [
              '`user.loginuid` is ',
              v(String(loginuid)),
              ': the process descends from a login session of uid ',
              v(String(loginuid)),
              ', whatever user it runs as now (for example after `sudo`).',
            ],
    });
  }
  const uid = f('user.uid');
  if (uid === '0' && f('user.name'))
    out.push({
      topic: 'Privilege',
      text: ['The process ran as ', v(f('user.name')!), ' (uid 0, root).'],
    });

  // What
  const exepath = f('proc.exepath');
  const name = f('proc.name');
  if (exepath && name && !exepath.endsWith(`/${name}`)) {
    out.push({
      topic: 'Executable',
      text: [
        'The process is named ',
        v(name),
        ' but its executable is ',
        v(exepath),
        ': a multi-call binary (such as busybox) or a renamed copy. Trust the path, not the name.',
      ],
    });
  }
  const flags = f('evt.arg.flags');
  if (flags) {
    const known = flags.split('|').filter((x) => EXE_FLAGS[x]);
    if (known.length) {
      const text: RichText = ['Executable flags ', v(flags), ': '];
      known.forEach((x, i) => text.push(i ? '; ' : '', v(x), ' means ', EXE_FLAGS[x]!));
      text.push('. These describe where the binary comes from, not the privileges it ran with.');
      out.push({ topic: 'Executable flags', text });
    }
  }
  const tty = alert.output_fields['proc.tty'];
  if (tty !== undefined && tty !== null) {
    out.push({
      topic: 'Terminal',
      text:
        Number(tty) === 0
          ? ['`proc.tty` is 0: no terminal attached, so not an interactive session.']
          : [
              '`proc.tty` is ',
              v(String(tty)),
              ': a terminal is attached, so someone was typing interactively.',
            ],
    });
  }

  // Ancestry: proc.pname, then proc.aname[2], [3]...
  const chain: string[] = [];
  if (name) chain.push(name);
  const pname = f('proc.pname');
  if (pname) chain.push(pname);
  for (let i = 2; i <= 9; i++) {
    const a = displayValue(alert.output_fields[`proc.aname[${i}]`]);
    if (a) chain.push(a);
  }
  if (chain.length >= 2) {
    const text: RichText = ['Process ancestry, from the process up: '];
    chain.forEach((c, i) => text.push(i ? ' ← ' : '', v(c)));
    text.push('.');
    out.push({ topic: 'Ancestry', text });
  } else if (name && alert.output_fields['proc.pname'] === null) {
    out.push({
      topic: 'Ancestry',
      text: [
        'The parent process is unknown (it had already exited when Falco looked), which is common for container entrypoints.',
      ],
    });
  }

  // Where
  const cid = f('container.id');
  if (cid === 'host')
    out.push({
      topic: 'Container',
      text: [
        '`container.id` is ',
        v('host'),
        ': the event happened on the host itself, not inside a container.',
      ],
    });
  else if (cid) {
    const pod = f('k8s.pod.name');
    out.push({
      topic: 'Container',
      text: [
        'Container ',
        v(cid),
        ...(f('container.name') ? [' (', v(f('container.name')!), ')'] : []),
        ...(pod ? [' of pod ', v(`${f('k8s.ns.name') ?? '?'}/${pod}`)] : []),
        '.',
      ],
    });
  }

  // Result
  const res = f('evt.res');
  if (res) {
    out.push({
      topic: 'Result',
      text:
        res === 'SUCCESS' || res === '0'
          ? ['The system call succeeded (', v(res), ').']
          : [
              'The system call returned ',
              v(res),
              ERRNO[res]
                ? `: ${ERRNO[res]}.`
                : ': an error, so the attempt did not complete as asked.',
            ],
    });
  }
  const fd = f('fd.name');
  if (fd && /->/.test(fd))
    out.push({
      topic: 'Connection',
      text: ['Connection ', v(fd), ': client address and port on the left, server on the right.'],
    });
  else if (fd) out.push({ topic: 'File', text: ['The file descriptor points at ', v(fd), '.'] });

  // k8s audit
  const code = f('ka.response.code');
  if (code) {
    const n = Number(code);
    out.push({
      topic: 'API response',
      text: [
        'The API server answered ',
        v(code),
        n >= 200 && n < 300
          ? ': the request was allowed and carried out.'
          : n === 401 || n === 403
            ? ': the request was refused (not authenticated or not authorized).'
            : '.',
      ],
    });
  }
  return out;
}
