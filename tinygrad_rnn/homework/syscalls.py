"""The system calls a test process may not make: kernel keyrings and System V / POSIX IPC.

Killing a test user's processes and removing its files does not remove what it left in the
kernel: a key in its user keyring (``add_key``) stays there after its last process is gone,
and so does a System V shared memory segment or message queue, or a POSIX message queue, when
no IPC namespace could be made (Docker without ``CAP_SYS_ADMIN``). The next test, or the next
submission graded as the same user, could read it. A homework needs none of these, so the
fork server installs a seccomp filter in every test process, before any of the submission's
code runs, that makes them fail with ``EPERM`` (Docker's default profile refuses the keyring
calls the same way). Calls through another architecture's entry (``int 0x80``, x32) are
refused too, as they would bypass the numbers below.

``install()`` returns False where a filter cannot be installed (another architecture, no
seccomp); ``Sandbox.missing`` then says so.
"""
import ctypes
import errno
import platform
import struct

# architecture: (AUDIT_ARCH_*, numbers of add_key, request_key, keyctl, shmget, semget,
# msgget, mq_open)
_TABLE = {"x86_64": (0xC000003E, (248, 249, 250, 29, 64, 68, 240)),
          "aarch64": (0xC00000B7, (217, 218, 219, 194, 190, 186, 180))}
_X32 = 0x40000000  # x86_64's x32 system calls have this bit set
_LD_W_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


def _program(arch, numbers, x32):
    """The BPF program: refuse a foreign architecture, x32, and ``numbers``; allow the rest."""
    body = [(_LD_W_ABS, 0, 0, 0)]  # the system call's number
    if x32:
        body.append((_JGE, 0, 0, _X32))
    body += [(_JEQ, 0, 0, nr) for nr in numbers]
    program = [(_LD_W_ABS, 0, 0, 4), (_JEQ, 0, 0, arch)] + body + [(_RET, 0, 0, _ALLOW)]
    deny = len(program)
    program.append((_RET, 0, 0, _ERRNO | errno.EPERM))
    fixed = []
    for at, (code, _, _, k) in enumerate(program):
        if at == 1:  # the architecture: on to the number if it is ours, else refuse
            fixed.append((code, 0, deny - at - 1, k))
        elif code in (_JEQ, _JGE):  # a refused number: jump to the refusal
            fixed.append((code, deny - at - 1, 0, k))
        else:
            fixed.append((code, 0, 0, k))
    return fixed


def install():
    """Install the filter in this process (and every process it starts); True if it is in
    place. Sets ``no_new_privs``, which an unprivileged process needs for a filter."""
    machine = platform.machine().lower()
    if machine not in _TABLE:
        return False
    arch, numbers = _TABLE[machine]
    program = _program(arch, numbers, machine == "x86_64")
    raw = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(program), ctypes.addressof(buffer))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0
    except (OSError, AttributeError):
        return False
