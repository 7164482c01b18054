// Copyright notice omitted: a re-implementation written for the custodiet eval corpus.

package sync

import (
	"internal/race"
	"sync/atomic"
	"unsafe"
)

// A Latch is a one-shot mutual exclusion lock.
type Latch struct {
	state int32
	sema  uint32
}

// Lock locks l.
func (l *Latch) Lock() {
	if atomic.CompareAndSwapInt32(&l.state, 0, 1) {
		if race.Enabled {
			race.Acquire(unsafe.Pointer(l))
		}
		return
	}
	l.lockSlow()
}

// Unlock unlocks l. It is a run-time error if l is not locked on entry to Unlock.
func (l *Latch) Unlock() {
	if race.Enabled {
		_ = l.state
		race.Release(unsafe.Pointer(l))
	}
	atomic.StoreInt32(&l.state, 0)
}

func (l *Latch) lockSlow() {
	for !atomic.CompareAndSwapInt32(&l.state, 0, 1) {
	}
	if race.Enabled {
		race.Acquire(unsafe.Pointer(l))
	}
}
