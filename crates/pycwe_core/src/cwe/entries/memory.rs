//! Memory-safety weaknesses of the Top 25: they cannot occur in Python source, so they are in the catalog as
//! `NotApplicable` (never reported), with the reason.

use crate::cwe::{Applicability, CweEntry, CweId};

/// What to do about memory safety in a Python project: the native code is where it lives.
const NATIVE_REMEDIATION: &str = "Nothing to change in Python code. Memory-safety bugs live in C, C++ or \
                                  Cython extensions and `ctypes`/`cffi` calls: build those with \
                                  AddressSanitizer and UndefinedBehaviorSanitizer, fuzz them (Atheris for \
                                  Python entry points, libFuzzer for the C side), prefer `bytes`, \
                                  `bytearray` and `memoryview` over raw `ctypes` pointers, and keep native \
                                  dependencies up to date (`pip-audit`).";

pub(super) const ENTRIES: &[CweEntry] = &[
    CweEntry {
        id: CweId(787),
        name: "Out-of-bounds Write",
        short_name: "Out-of-bounds write",
        summary: "The program writes data past the end, or before the beginning, of a buffer, corrupting \
                  memory. Python code cannot do this: an out-of-range index raises `IndexError` and slice \
                  assignment resizes or checks the target.",
        applicability: Applicability::NotApplicable {
            reason: "Python lists, `bytearray` and `memoryview` check every index and slice assignment, \
                     so an out-of-bounds write can only happen in C extensions or `ctypes` code, which \
                     pycwe does not analyze.",
        },
        severity: 9.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(125),
        name: "Out-of-bounds Read",
        short_name: "Out-of-bounds read",
        summary: "The program reads data past the end, or before the beginning, of a buffer, leaking \
                  memory contents or crashing. In Python an out-of-range index raises `IndexError` and a \
                  slice is clipped to the object's length.",
        applicability: Applicability::NotApplicable {
            reason: "Indexing `list`, `str`, `bytes` and `memoryview` is bounds-checked and raises \
                     `IndexError`, so an out-of-bounds read can only happen in C extensions or `ctypes` \
                     code, which pycwe does not analyze.",
        },
        severity: 7.5,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(416),
        name: "Use After Free",
        short_name: "Use after free",
        summary: "Memory is used after it was freed, so it may already hold other data, which can lead to \
                  code execution. Python code never frees memory itself: an object lives as long as \
                  something refers to it.",
        applicability: Applicability::NotApplicable {
            reason: "CPython frees an object only when reference counting or the garbage collector finds \
                     nothing refers to it, so a use after free can only happen in C extensions or `ctypes` \
                     code, which pycwe does not analyze.",
        },
        severity: 8.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(119),
        name: "Improper Restriction of Operations within the Bounds of a Memory Buffer",
        short_name: "Memory buffer bounds violation",
        summary: "The program reads or writes memory outside the buffer it meant to use: the parent class \
                  of buffer overflows and out-of-bounds reads and writes. Python objects carry their size \
                  and the interpreter checks every access against it.",
        applicability: Applicability::NotApplicable {
            reason: "Every buffer access in Python code is checked against the object's size by the \
                     interpreter, so a buffer bounds violation can only happen in C extensions or `ctypes` \
                     code, which pycwe does not analyze.",
        },
        severity: 9.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(120),
        name: "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
        short_name: "Classic buffer overflow",
        summary: "Input is copied into a fixed-size buffer without checking that it fits (`strcpy`, \
                  `memcpy`). Python has no fixed-size destination buffers: copying, slicing and \
                  concatenation allocate a result of the right size.",
        applicability: Applicability::NotApplicable {
            reason: "Python copies (`bytes(...)`, slicing, `+`, `bytearray.extend`) allocate or grow the \
                     destination to fit the input, so a classic buffer overflow can only happen in C \
                     extensions or `ctypes` code such as `ctypes.memmove`, which pycwe does not analyze.",
        },
        severity: 9.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(121),
        name: "Stack-based Buffer Overflow",
        short_name: "Stack buffer overflow",
        summary: "A buffer allocated on the call stack is overwritten past its end, which can overwrite the \
                  return address. Python code has no stack-allocated buffers: every object lives on the \
                  interpreter's heap.",
        applicability: Applicability::NotApplicable {
            reason: "Python code cannot declare stack buffers (all objects are heap-allocated and \
                     bounds-checked), so a stack-based overflow can only happen in C extensions or `ctypes` \
                     code, which pycwe does not analyze.",
        },
        severity: 9.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(122),
        name: "Heap-based Buffer Overflow",
        short_name: "Heap buffer overflow",
        summary: "A buffer allocated on the heap is overwritten past its end, corrupting neighbouring \
                  objects or allocator metadata. Python objects are on the heap, but the interpreter \
                  checks every access against their size.",
        applicability: Applicability::NotApplicable {
            reason: "Python buffers are sized by the interpreter and every index and slice is checked, so a \
                     heap-based overflow can only happen in C extensions or `ctypes` code, which pycwe does \
                     not analyze.",
        },
        severity: 9.8,
        sources: &[],
        sinks: &[],
        remediation: NATIVE_REMEDIATION,
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(476),
        name: "NULL Pointer Dereference",
        short_name: "NULL pointer dereference",
        summary: "The program uses a pointer that is NULL, usually crashing the process. Python's `None` is \
                  an ordinary object: using it where a value is expected raises an exception that the \
                  program can catch.",
        applicability: Applicability::NotApplicable {
            reason: "Using `None` in Python raises `AttributeError` or `TypeError` instead of reading \
                     address zero, so a NULL pointer dereference can only happen in C extensions or \
                     `ctypes` code, which pycwe does not analyze.",
        },
        severity: 7.5,
        sources: &[],
        sinks: &[],
        remediation: "Nothing to report as memory safety in Python code; an unhandled `None` is an ordinary \
                      bug (check `if value is None` or let a type checker such as mypy flag `Optional` \
                      misuse). In C extensions and `ctypes` code, check every returned pointer, and build \
                      and fuzz them with AddressSanitizer.",
        vulnerable_example: "",
        fixed_example: "",
    },
    CweEntry {
        id: CweId(190),
        name: "Integer Overflow or Wraparound",
        short_name: "Integer overflow",
        summary: "An arithmetic result exceeds the range of a fixed-width integer and wraps around, often \
                  into a too-small allocation size or a negative index. Python's `int` has arbitrary \
                  precision and never wraps.",
        applicability: Applicability::NotApplicable {
            reason: "Python's `int` has arbitrary precision and never wraps around, so wraparound can only \
                     happen in fixed-width values of C extensions, `ctypes` or NumPy dtypes, which pycwe \
                     does not analyze.",
        },
        severity: 8.8,
        sources: &[],
        sinks: &[],
        remediation: "Nothing to change in plain Python arithmetic. Where fixed-width integers are used \
                      (NumPy arrays, `struct.pack`, `ctypes`), check ranges before converting \
                      (`np.iinfo(np.int32).max`) or use a wider dtype; build and fuzz C extensions with \
                      UndefinedBehaviorSanitizer.",
        vulnerable_example: "",
        fixed_example: "",
    },
];
