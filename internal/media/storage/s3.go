package storage

import (
	"context"
	"errors"
)

// openS3 is the S3 storage of s3URL.
func openS3(_ context.Context, _ string) (Storage, error) {
	return nil, errors.New("storage: S3 is not implemented yet")
}
