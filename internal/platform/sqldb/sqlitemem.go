//go:build !libc.membrk && !libc.memgrind && linux && (amd64 || arm64 || loong64 || ppc64le || s390x || riscv64 || 386 || arm)

package sqldb

import (
	"sync"
	_ "unsafe" // go:linkname

	"modernc.org/memory"
)

// SQLite (modernc.org/sqlite) allocates through modernc.org/libc's malloc,
// one process-wide modernc.org/memory Allocator. That allocator keeps the
// regions a burst emptied, up to its high-water mark, for reuse: after the
// demo fill ≈ 15 MB that nothing uses any more stay resident for the life
// of the process. memory.Allocator.Trim hands them back, but libc exports
// neither its allocator nor a malloc_trim, hence these links to the two
// variables libc's malloc uses (libc's mem_musl.go, the file this one's
// build constraint mirrors). Should libc rename them, the build fails at
// link time rather than misbehaving.

//go:linkname libcAllocator modernc.org/libc.allocator
var libcAllocator memory.Allocator

//go:linkname libcAllocatorMu modernc.org/libc.allocatorMu
var libcAllocatorMu sync.Mutex

// TrimSQLiteMemory returns to the operating system the memory SQLite freed
// and its allocator kept for reuse. Call it when idle, after CloseIdle:
// the next burst maps that memory again.
func TrimSQLiteMemory() error {
	libcAllocatorMu.Lock()
	defer libcAllocatorMu.Unlock()
	return libcAllocator.Trim()
}
