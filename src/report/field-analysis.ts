import { displayValue, fieldString, sourceOf, type Alert } from '../alert.js';
import type { RichText } from './rich-text.js';
import { lookupTable } from '../lookup-table.js';

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
const EXE_FLAGS = lookupTable<string>({
  EXE_WRITABLE:
    'the executable file is writable by the user that ran it (it could have been replaced or modified by that user)',
  EXE_UPPER_LAYER:
    "the executable is in the container's writable upper layer: it was created or changed after the container started, it is not from the image",
  EXE_LOWER_LAYER:
    "the executable comes from the image's read-only lower layer, i.e. it shipped with the image",
  EXE_FROM_MEMFD:
    'the executable was loaded from a memfd: an in-memory file with no path on disk (fileless execution)',
});

/** Common errno names Falco prints in `evt.res`. */
const ERRNO = lookupTable<string>({
  EACCES: 'permission denied: the kernel refused the call, so the attempt failed',
  EPERM: 'operation not permitted: the kernel refused the call, so the attempt failed',
  ENOENT: 'no such file or directory: the target did not exist',
  EEXIST: 'the target already existed',
  ECONNREFUSED: 'the connection was refused by the remote side',
  EINPROGRESS: 'a non-blocking connection was started; it may or may not have completed',
  ETIMEDOUT: 'the connection timed out',
  EAGAIN: 'the resource was temporarily unavailable',
  ENOSYS: 'the system call is not implemented on this kernel',
});

type Explainer = (alert: Alert) => FieldExplanation | undefined;
const field = (alert: Alert, k: string) => fieldString(alert, k);

const eventId: Explainer = (alert) =>
  alert.uuid
    ? {
        topic: 'Event id',
        text: [
          'Falcosidekick event id ',
          v(alert.uuid),
          ': quote it when you search your Falcosidekick outputs.',
        ],
      }
    : undefined;

const source: Explainer = (alert) => {
  const src = sourceOf(alert);
  return {
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
  };
};

const loginSession: Explainer = (alert) => {
  const loginuid = alert.output_fields['user.loginuid'];
  if (loginuid === undefined || loginuid === null) return undefined;
  const n = Number(loginuid);
  return {
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
  };
};

const privilege: Explainer = (alert) => {
  const user = field(alert, 'user.name');
  return field(alert, 'user.uid') === '0' && user
    ? { topic: 'Privilege', text: ['The process ran as ', v(user), ' (uid 0, root).'] }
    : undefined;
};

const executable: Explainer = (alert) => {
  const exepath = field(alert, 'proc.exepath');
  const name = field(alert, 'proc.name');
  if (!exepath || !name || exepath.endsWith(`/${name}`)) return undefined;
  return {
    topic: 'Executable',
    text: [
      'The process is named ',
      v(name),
      ' but its executable is ',
      v(exepath),
      ': a multi-call binary (such as busybox) or a renamed copy. Trust the path, not the name.',
    ],
  };
};

const executableFlags: Explainer = (alert) => {
  const flags = field(alert, 'evt.arg.flags');
  const known = flags?.split('|').filter((x) => EXE_FLAGS[x]) ?? [];
  if (!flags || !known.length) return undefined;
  const text: RichText = ['Executable flags ', v(flags), ': '];
  known.forEach((x, i) => text.push(i ? '; ' : '', v(x), ' means ', EXE_FLAGS[x]!));
  text.push('. These describe where the binary comes from, not the privileges it ran with.');
  return { topic: 'Executable flags', text };
};

const terminal: Explainer = (alert) => {
  const tty = alert.output_fields['proc.tty'];
  if (tty === undefined || tty === null) return undefined;
  return {
    topic: 'Terminal',
    text:
      Number(tty) === 0
        ? ['`proc.tty` is 0: no terminal attached, so not an interactive session.']
        : [
            '`proc.tty` is ',
            v(String(tty)),
            ': a terminal is attached, so someone was typing interactively.',
          ],
  };
};

/** proc.name, proc.pname, then proc.aname[2], [3]... */
const ancestry: Explainer = (alert) => {
  const name = field(alert, 'proc.name');
  const chain: string[] = [];
  if (name) chain.push(name);
  const pname = field(alert, 'proc.pname');
  if (pname) chain.push(pname);
  for (let i = 2; i <= 9; i++) {
    const a = displayValue(alert.output_fields[`proc.aname[${i}]`]);
    if (a) chain.push(a);
  }
  if (chain.length >= 2) {
    const text: RichText = ['Process ancestry, from the process up: '];
    chain.forEach((c, i) => text.push(i ? ' ← ' : '', v(c)));
    text.push('.');
    return { topic: 'Ancestry', text };
  }
  if (name && alert.output_fields['proc.pname'] === null)
    return {
      topic: 'Ancestry',
      text: [
        'The parent process is unknown (it had already exited when Falco looked), which is common for container entrypoints.',
      ],
    };
  return undefined;
};

const container: Explainer = (alert) => {
  const cid = field(alert, 'container.id');
  if (cid === 'host')
    return {
      topic: 'Container',
      text: [
        '`container.id` is ',
        v('host'),
        ': the event happened on the host itself, not inside a container.',
      ],
    };
  if (!cid) return undefined;
  const pod = field(alert, 'k8s.pod.name');
  const cname = field(alert, 'container.name');
  return {
    topic: 'Container',
    text: [
      'Container ',
      v(cid),
      ...(cname ? [' (', v(cname), ')'] : []),
      ...(pod ? [' of pod ', v(`${field(alert, 'k8s.ns.name') ?? '?'}/${pod}`)] : []),
      '.',
    ],
  };
};

const result: Explainer = (alert) => {
  const res = field(alert, 'evt.res');
  if (!res) return undefined;
  return {
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
  };
};

const fileOrConnection: Explainer = (alert) => {
  const fd = field(alert, 'fd.name');
  if (!fd) return undefined;
  return /->/.test(fd)
    ? {
        topic: 'Connection',
        text: ['Connection ', v(fd), ': client address and port on the left, server on the right.'],
      }
    : { topic: 'File', text: ['The file descriptor points at ', v(fd), '.'] };
};

const apiResponse: Explainer = (alert) => {
  const code = field(alert, 'ka.response.code');
  if (!code) return undefined;
  const n = Number(code);
  return {
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
  };
};

/** In the order the report shows them: who, what, where, the result, then the k8s audit answer. */
const EXPLAINERS: readonly Explainer[] = [
  eventId,
  source,
  loginSession,
  privilege,
  executable,
  executableFlags,
  terminal,
  ancestry,
  container,
  result,
  fileOrConnection,
  apiResponse,
];

export function explainFields(alert: Alert): FieldExplanation[] {
  return EXPLAINERS.map((explain) => explain(alert)).filter(
    (e): e is FieldExplanation => e !== undefined,
  );
}
