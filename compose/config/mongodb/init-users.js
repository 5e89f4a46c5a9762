// Runs once, when mongod starts on an empty data volume (docker-entrypoint-initdb.d).
// Creates the two non-root users the platform needs, so that neither the app services nor
// the backups use the root account:
//   MONGO_APP_USERNAME    readWrite on MONGO_DATABASE (the ten app services);
//   MONGO_BACKUP_USERNAME backup + restore on every database (surveytui backup / restore).
// The passwords come from the container's environment (.env.production), never from this file.
const env = process.env;
const dbName = env.MONGO_DATABASE || "survey_platform";

function required(name) {
  if (!env[name]) {
    throw new Error(name + " is empty: set it in .env.production and recreate the mongodb-data volume");
  }
  return env[name];
}

db.getSiblingDB(dbName).createUser({
  user: required("MONGO_APP_USERNAME"),
  pwd: required("MONGO_APP_PASSWORD"),
  roles: [{ role: "readWrite", db: dbName }],
});

db.getSiblingDB("admin").createUser({
  user: required("MONGO_BACKUP_USERNAME"),
  pwd: required("MONGO_BACKUP_PASSWORD"),
  roles: [
    { role: "backup", db: "admin" },
    { role: "restore", db: "admin" },
    // listDatabases and dbStats for the console's pre-restore comparison.
    { role: "clusterMonitor", db: "admin" },
  ],
});
