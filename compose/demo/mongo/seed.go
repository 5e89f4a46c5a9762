package main

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// seedDB is the database the demo's services would use in production.
const seedDB = "survey_platform"

// connect opens a client with a short server-selection timeout: the server is
// local, so anything slower means it is not up.
func connect(uri string) (*mongo.Client, error) {
	return mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).
		SetConnectTimeout(2 * time.Second))
}

// healthcheck connects to the local listener and runs `ping`, within 2 s.
func healthcheck(listen string) error {
	port := "27017"
	for i := len(listen) - 1; i >= 0; i-- {
		if listen[i] == ':' {
			port = listen[i+1:]
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := connect("mongodb://127.0.0.1:" + port + "/?directConnection=true")
	if err != nil {
		return err
	}
	defer c.Disconnect(context.Background())
	return c.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// seed fills survey_platform with a few collections, documents and indexes
// unless it already has collections (the volume survived a restart, or the
// user restored a backup). It returns how many documents it inserted.
func seed(ctx context.Context, uri string) (int, error) {
	c, err := connect(uri)
	if err != nil {
		return 0, err
	}
	defer c.Disconnect(context.Background())
	// The listener may take a moment; retry ping until the deadline.
	for {
		err = c.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return 0, err
	}
	db := c.Database(seedDB)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return 0, err
	}
	if len(names) > 0 {
		return 0, nil
	}
	total := 0
	for _, coll := range seedData(time.Now().UTC()) {
		if _, err := db.Collection(coll.name).InsertMany(ctx, coll.docs); err != nil {
			return total, fmt.Errorf("insert %s: %w", coll.name, err)
		}
		total += len(coll.docs)
		if len(coll.indexes) > 0 {
			if _, err := db.Collection(coll.name).Indexes().CreateMany(ctx, coll.indexes); err != nil {
				return total, fmt.Errorf("indexes of %s: %w", coll.name, err)
			}
		}
	}
	return total, nil
}

type seedColl struct {
	name    string
	docs    []any
	indexes []mongo.IndexModel
}

// seedData builds deterministic demo documents (apart from timestamps) so a
// backup's document counts are predictable: 5 projects, 12 users, 20
// surveys, 200 responses, 60 audit log entries.
func seedData(now time.Time) []seedColl {
	var projects, users, surveys, responses, audits []any
	for i := 1; i <= 5; i++ {
		projects = append(projects, bson.D{
			{Key: "_id", Value: fmt.Sprintf("project-%d", i)},
			{Key: "name", Value: fmt.Sprintf("Customer study %d", i)},
			{Key: "owner", Value: fmt.Sprintf("user-%d", i)},
			{Key: "createdAt", Value: now.Add(-time.Duration(90-i) * 24 * time.Hour)},
		})
	}
	roles := []string{"admin", "analyst", "editor", "viewer"}
	for i := 1; i <= 12; i++ {
		users = append(users, bson.D{
			{Key: "_id", Value: fmt.Sprintf("user-%d", i)},
			{Key: "email", Value: fmt.Sprintf("user%d@example.org", i)},
			{Key: "role", Value: roles[i%len(roles)]},
			{Key: "createdAt", Value: now.Add(-time.Duration(120-i) * 24 * time.Hour)},
		})
	}
	statuses := []string{"draft", "active", "active", "closed"}
	for i := 1; i <= 20; i++ {
		surveys = append(surveys, bson.D{
			{Key: "_id", Value: fmt.Sprintf("survey-%d", i)},
			{Key: "projectId", Value: fmt.Sprintf("project-%d", 1+i%5)},
			{Key: "title", Value: fmt.Sprintf("Satisfaction survey %d", i)},
			{Key: "status", Value: statuses[i%len(statuses)]},
			{Key: "questions", Value: bson.A{
				bson.D{{Key: "id", Value: "q1"}, {Key: "type", Value: "rating"}, {Key: "text", Value: "How satisfied are you?"}},
				bson.D{{Key: "id", Value: "q2"}, {Key: "type", Value: "text"}, {Key: "text", Value: "What should we improve?"}},
			}},
			{Key: "createdAt", Value: now.Add(-time.Duration(60-i) * 24 * time.Hour)},
		})
	}
	for i := 1; i <= 200; i++ {
		responses = append(responses, bson.D{
			{Key: "surveyId", Value: fmt.Sprintf("survey-%d", 1+i%20)},
			{Key: "userId", Value: fmt.Sprintf("user-%d", 1+i%12)},
			{Key: "answers", Value: bson.D{{Key: "q1", Value: 1 + i%5}, {Key: "q2", Value: fmt.Sprintf("comment %d", i)}}},
			{Key: "country", Value: []string{"DE", "FR", "US", "BR", "JP"}[i%5]},
			{Key: "submittedAt", Value: now.Add(-time.Duration(i) * time.Hour)},
		})
	}
	actions := []string{"survey.create", "survey.publish", "project.update", "user.login"}
	for i := 1; i <= 60; i++ {
		audits = append(audits, bson.D{
			{Key: "action", Value: actions[i%len(actions)]},
			{Key: "userId", Value: fmt.Sprintf("user-%d", 1+i%12)},
			{Key: "at", Value: now.Add(-time.Duration(i) * 30 * time.Minute)},
		})
	}
	idx := func(keys bson.D, unique bool) mongo.IndexModel {
		m := mongo.IndexModel{Keys: keys}
		if unique {
			m.Options = options.Index().SetUnique(true)
		}
		return m
	}
	return []seedColl{
		{"projects", projects, []mongo.IndexModel{idx(bson.D{{Key: "owner", Value: 1}}, false)}},
		{"users", users, []mongo.IndexModel{idx(bson.D{{Key: "email", Value: 1}}, true)}},
		{"surveys", surveys, []mongo.IndexModel{idx(bson.D{{Key: "projectId", Value: 1}, {Key: "status", Value: 1}}, false)}},
		{"responses", responses, []mongo.IndexModel{idx(bson.D{{Key: "surveyId", Value: 1}, {Key: "submittedAt", Value: -1}}, false)}},
		{"audit_logs", audits, []mongo.IndexModel{idx(bson.D{{Key: "at", Value: -1}}, false)}},
	}
}
