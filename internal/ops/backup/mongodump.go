package backup

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Metadata is a mongodump <coll>.metadata.json: written with the same fields, in the same
// order, as canonical Extended JSON, so mongorestore reads ours and we read its.
type Metadata struct {
	Options        bson.D   `bson:"options"`
	Indexes        []bson.D `bson:"indexes"`
	UUID           string   `bson:"uuid,omitempty"`
	CollectionName string   `bson:"collectionName"`
	Type           string   `bson:"type,omitempty"`
}

// systemDatabases are never dumped: they belong to the server, not to the platform.
var systemDatabases = []string{"admin", "local", "config"}

// Progress is one step of a long action, for a progress bar or a plain line.
type Progress struct {
	Phase      string // "dump", "volume", "write", "verify", "safety", "stop", "restore", "start", "health", "check"
	Item       string // db.collection, volume name or container
	Docs       int64
	TotalDocs  int64
	Bytes      int64
	TotalBytes int64
	Message    string
}

// ProgressFunc receives progress; it must not block for long. Nil is allowed.
type ProgressFunc func(Progress)

func (f ProgressFunc) emit(p Progress) {
	if f != nil {
		f(p)
	}
}

// DatabasesToDump returns the databases a backup will hold: the chosen ones (each must exist),
// or every database except admin, local and config.
func DatabasesToDump(ctx context.Context, client *mongo.Client, chosen []string) ([]string, error) {
	all, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("cannot list MongoDB databases: %v; check --mongo-uri", err)
	}
	if len(chosen) > 0 {
		for _, db := range chosen {
			if !slices.Contains(all, db) {
				return nil, fmt.Errorf("database %q does not exist on the server (it has: %s)", db, strings.Join(all, ", "))
			}
		}
		out := slices.Clone(chosen)
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	var out []string
	for _, db := range all {
		if !slices.Contains(systemDatabases, db) {
			out = append(out, db)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ServerVersion asks the server for its version (buildInfo).
func ServerVersion(ctx context.Context, client *mongo.Client) string {
	var info struct {
		Version string `bson:"version"`
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return ""
	}
	return info.Version
}

type collSpec struct {
	Name    string `bson:"name"`
	Type    string `bson:"type"`
	Options bson.D `bson:"options"`
	Info    struct {
		UUID bson.Binary `bson:"uuid"`
	} `bson:"info"`
}

// DumpMongo writes every collection of dbs into w in mongodump's layout under mongo/, and
// records each collection (count, bytes, indexes) in w's manifest. Documents go from the cursor
// to a spool file and from there into the archive, so memory stays at one cursor batch.
// When only is not nil, just the collections it accepts are dumped (a safety backup holds
// exactly what a restore will overwrite).
func DumpMongo(ctx context.Context, client *mongo.Client, w *Writer, dbs []string, only func(db, coll string) bool, progress ProgressFunc) error {
	m := w.Manifest()
	if v := ServerVersion(ctx, client); v != "" {
		m.ServerVersion = v
	}
	for _, dbName := range dbs {
		db := client.Database(dbName)
		cur, err := db.ListCollections(ctx, bson.D{})
		if err != nil {
			return fmt.Errorf("cannot list collections of %s: %v", dbName, err)
		}
		var specs []collSpec
		if err := cur.All(ctx, &specs); err != nil {
			return fmt.Errorf("cannot list collections of %s: %v", dbName, err)
		}
		slices.SortFunc(specs, func(a, b collSpec) int { return strings.Compare(a.Name, b.Name) })
		for _, spec := range specs {
			if strings.HasPrefix(spec.Name, "system.") {
				continue // server-managed (profile, views catalog, js): mongodump skips most of them too
			}
			if only != nil && !only(dbName, spec.Name) {
				continue
			}
			info, err := dumpCollection(ctx, db, spec, w, progress)
			if err != nil {
				return err
			}
			m.Collections = append(m.Collections, info)
		}
	}
	return nil
}

func dumpCollection(ctx context.Context, db *mongo.Database, spec collSpec, w *Writer, progress ProgressFunc) (CollectionInfo, error) {
	dbName := db.Name()
	ns := dbName + "." + spec.Name
	if spec.Type == "" {
		spec.Type = "collection"
	}
	info := CollectionInfo{DB: dbName, Name: spec.Name, Type: spec.Type, Indexes: []string{}}
	meta := Metadata{Options: spec.Options, Indexes: []bson.D{}, CollectionName: spec.Name, Type: spec.Type}
	if meta.Options == nil {
		meta.Options = bson.D{}
	}
	if len(spec.Info.UUID.Data) > 0 {
		meta.UUID = hex.EncodeToString(spec.Info.UUID.Data)
	}
	base := mongoPrefix + dbName + "/" + spec.Name
	coll := db.Collection(spec.Name)

	if spec.Type == "collection" {
		icur, err := coll.Indexes().List(ctx)
		if err != nil {
			return info, fmt.Errorf("cannot list indexes of %s: %v", ns, err)
		}
		for icur.Next(ctx) {
			var idx bson.D
			if err := bson.Unmarshal(icur.Current, &idx); err != nil {
				return info, fmt.Errorf("index of %s: %v", ns, err)
			}
			meta.Indexes = append(meta.Indexes, idx)
			for _, e := range idx {
				if e.Key == "name" {
					info.Indexes = append(info.Indexes, fmt.Sprint(e.Value))
				}
			}
		}
		if err := icur.Err(); err != nil {
			return info, fmt.Errorf("cannot list indexes of %s: %v", ns, err)
		}
		icur.Close(ctx)

		total, _ := coll.EstimatedDocumentCount(ctx)
		spool, err := w.NewSpool()
		if err != nil {
			return info, err
		}
		bw := bufio.NewWriterSize(spool, 1<<20)
		// Batches are sized by bytes (about 8 MB): MongoDB caps a batch at 16 MB itself, but
		// FerretDB does not, and 1000 large documents would overflow the 48 MB message limit.
		cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(100))
		if err != nil {
			spool.Discard()
			return info, fmt.Errorf("cannot read %s: %v", ns, err)
		}
		for cur.Next(ctx) {
			if _, err := bw.Write(cur.Current); err != nil {
				cur.Close(ctx)
				spool.Discard()
				return info, writeErr(w.Dir(), err)
			}
			info.Documents++
			info.Bytes += int64(len(cur.Current))
			if cur.RemainingBatchLength() == 0 {
				cur.SetBatchSize(int32(min(max(8<<20/(info.Bytes/info.Documents), 1), 1000)))
			}
			if info.Documents%5000 == 0 {
				progress.emit(Progress{Phase: "dump", Item: ns, Docs: info.Documents, TotalDocs: total, Bytes: info.Bytes})
			}
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			spool.Discard()
			return info, fmt.Errorf("reading %s failed after %d documents: %v; is MongoDB still up?", ns, info.Documents, err)
		}
		if err := bw.Flush(); err != nil {
			spool.Discard()
			return info, writeErr(w.Dir(), err)
		}
		if err := w.AddSpool(base+".bson", spool); err != nil {
			return info, err
		}
		progress.emit(Progress{Phase: "dump", Item: ns, Docs: info.Documents, TotalDocs: info.Documents, Bytes: info.Bytes, TotalBytes: info.Bytes})
	}
	// A view has no documents and, as with mongodump, no .bson file: its metadata recreates it.
	js, err := bson.MarshalExtJSON(meta, true, false)
	if err != nil {
		return info, fmt.Errorf("metadata of %s: %v", ns, err)
	}
	if err := w.AddFile(base+".metadata.json", int64(len(js)), strings.NewReader(string(js))); err != nil {
		return info, err
	}
	return info, nil
}
