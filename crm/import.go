package crm

import "errors"

// Import errors.
var (
	// ErrImportUsed: a batch cannot be undone because a record it created was used by an order
	// since; the error's text names the record.
	ErrImportUsed = errors.New("imported records were used by orders since")
	// ErrImportUndone: the batch was undone already.
	ErrImportUndone = errors.New("import batch already undone")
)
