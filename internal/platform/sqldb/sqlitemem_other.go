//go:build !(!libc.membrk && !libc.memgrind && linux && (amd64 || arm64 || loong64 || ppc64le || s390x || riscv64 || 386 || arm))

package sqldb

// TrimSQLiteMemory is a no-op where libc's allocator is another one than
// sqlitemem.go links to.
func TrimSQLiteMemory() error { return nil }
