package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Insert batches: whichever limit comes first. Both keep memory bounded and stay well under
// the server's 48 MB message limit.
const (
	batchDocs  = 1000
	batchBytes = 8 << 20
)

// RestoreResult is one restored collection with the count found on the server afterwards.
type RestoreResult struct {
	DB, Name  string
	Documents int64
}

// RestoreMongo restores the collections of src (only those of dbs when dbs is not empty):
// each is dropped, recreated with its options, refilled by batched inserts (never updates:
// FerretDB's UpdateMany is slow, and insert is what mongorestore does), then its indexes are
// built; finally every collection is counted and compared with what the source held. The first
// error stops everything: nothing further is touched.
func RestoreMongo(ctx context.Context, client *mongo.Client, src *Source, dbs []string, progress ProgressFunc) ([]RestoreResult, error) {
	res, err := restoreMongo(ctx, client, src, dbs, progress)
	return res, sanitizeErr(err)
}

func restoreMongo(ctx context.Context, client *mongo.Client, src *Source, dbs []string, progress ProgressFunc) ([]RestoreResult, error) {
	want := func(c *sourceColl) bool { return len(dbs) == 0 || slices.Contains(dbs, c.db) }
	inserted := map[string]int64{}
	done := map[string]bool{}
	err := src.streamData(ctx, func(c *sourceColl, r io.Reader) error {
		if !want(c) {
			return nil
		}
		n, err := restoreCollection(ctx, client.Database(c.db), c, r, progress)
		inserted[collKey(c.db, c.name)] = n
		done[collKey(c.db, c.name)] = true
		return err
	})
	if err != nil {
		return nil, err
	}
	// Collections without data: views, and empty collections of dumps that wrote no .bson.
	for _, k := range src.Collections() {
		c := src.colls[k]
		if !want(c) || done[k] {
			continue
		}
		if _, err := restoreCollection(ctx, client.Database(c.db), c, nil, progress); err != nil {
			return nil, err
		}
	}
	if src.Manifest != nil {
		for _, k := range src.Manifest.Absent {
			db, coll, _ := strings.Cut(k, ".")
			if len(dbs) > 0 && !slices.Contains(dbs, db) {
				continue
			}
			if err := client.Database(db).Collection(coll).Drop(ctx); err != nil {
				return nil, fmt.Errorf("cannot drop %s, which did not exist before: %v", k, err)
			}
		}
	}
	var out []RestoreResult
	for _, k := range src.Collections() {
		c := src.colls[k]
		if !want(c) || (c.meta != nil && c.meta.Type == "view") {
			continue
		}
		n, err := client.Database(c.db).Collection(c.name).CountDocuments(ctx, bson.D{})
		if err != nil {
			return out, fmt.Errorf("cannot count %s after restore: %v", k, err)
		}
		if n != inserted[k] {
			return out, fmt.Errorf("%s holds %d documents after restore, %d were inserted", k, n, inserted[k])
		}
		if src.Manifest != nil {
			for _, mc := range src.Manifest.Collections {
				if mc.DB == c.db && mc.Name == c.name && mc.Documents != n {
					return out, fmt.Errorf("%s holds %d documents after restore, the archive has %d", k, n, mc.Documents)
				}
			}
		}
		out = append(out, RestoreResult{DB: c.db, Name: c.name, Documents: n})
	}
	return out, nil
}

func restoreCollection(ctx context.Context, db *mongo.Database, c *sourceColl, data io.Reader, progress ProgressFunc) (int64, error) {
	ns := db.Name() + "." + c.name
	meta := c.meta
	if meta == nil {
		meta = &Metadata{Type: "collection"}
	}
	coll := db.Collection(c.name)
	if err := coll.Drop(ctx); err != nil {
		return 0, fmt.Errorf("cannot drop %s: %v", ns, err)
	}
	create := bson.D{{Key: "create", Value: c.name}}
	create = append(create, meta.Options...)
	if err := db.RunCommand(ctx, create).Err(); err != nil {
		return 0, fmt.Errorf("cannot create %s with its options: %v", ns, err)
	}
	var n int64
	if data != nil {
		var err error
		n, err = insertAll(ctx, coll, newDocReader(data, ns+".bson"), progress)
		if err != nil {
			return n, err
		}
	}
	if meta.Type == "view" {
		return 0, nil
	}
	if err := createIndexes(ctx, db, c.name, meta.Indexes); err != nil {
		return n, err
	}
	progress.emit(Progress{Phase: "restore", Item: ns, Docs: n, TotalDocs: n})
	return n, nil
}

func insertAll(ctx context.Context, coll *mongo.Collection, docs *docReader, progress ProgressFunc) (int64, error) {
	ns := coll.Database().Name() + "." + coll.Name()
	var (
		batch []any
		size  int
		n     int64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := coll.InsertMany(ctx, batch, options.InsertMany().SetOrdered(true).SetBypassDocumentValidation(true)); err != nil {
			return fmt.Errorf("inserting into %s failed after %d documents: %v", ns, n, firstErr(err))
		}
		n += int64(len(batch))
		progress.emit(Progress{Phase: "restore", Item: ns, Docs: n})
		batch, size = batch[:0], 0
		return nil
	}
	for {
		doc, err := docs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		batch = append(batch, bson.Raw(slices.Clone(doc)))
		size += len(doc)
		if len(batch) >= batchDocs || size >= batchBytes {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// createIndexes rebuilds every index but _id's (made with the collection). Two fields of the
// dumped specs are dropped: "ns", which older servers put there and newer servers and FerretDB
// reject, and "v", the index format version, which FerretDB rejects and MongoDB chooses itself
// (it builds the current version, as for any new index).
func createIndexes(ctx context.Context, db *mongo.Database, coll string, specs []bson.D) error {
	var idx bson.A
	for _, spec := range specs {
		var clean bson.D
		isID := false
		for _, e := range spec {
			if e.Key == "ns" || e.Key == "v" {
				continue
			}
			if e.Key == "name" && e.Value == "_id_" {
				isID = true
			}
			clean = append(clean, e)
		}
		if !isID {
			idx = append(idx, clean)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	cmd := bson.D{{Key: "createIndexes", Value: coll}, {Key: "indexes", Value: idx}}
	if err := db.RunCommand(ctx, cmd).Err(); err != nil {
		return fmt.Errorf("cannot create the indexes of %s.%s: %v", db.Name(), coll, err)
	}
	return nil
}

// firstErr shortens a bulk write error to its first write error.
func firstErr(err error) error {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 {
		return errors.New(bwe.WriteErrors[0].Message)
	}
	return err
}
