package platform

import "strings"

// Role says what part a service plays; the console groups and alerts by it.
type Role string

// The roles of the Survey Platform's services.
const (
	RoleApp            Role = "app"
	RoleInfrastructure Role = "infrastructure"
	RoleLogging        Role = "logging"
)

// RoleLabel lets a compose file state a service's role where the name does not tell.
const RoleLabel = "com.survey-platform.role"

func (r Role) order() int {
	switch r {
	case RoleApp:
		return 0
	case RoleInfrastructure:
		return 1
	case RoleLogging:
		return 2
	}
	return 3
}

var (
	infraNames   = []string{"mongo", "redis", "kafka", "zookeeper", "postgres", "mysql", "rabbitmq", "nginx", "traefik"}
	loggingNames = []string{"elasticsearch", "logstash", "kibana", "filebeat", "fluent", "opensearch"}
)

// ClassifyRole decides a service's role: the role label when present, else the data stores,
// brokers and ELK components by name or image, else app.
func ClassifyRole(name, image string, labels map[string]string) Role {
	switch Role(labels[RoleLabel]) {
	case RoleApp, RoleInfrastructure, RoleLogging:
		return Role(labels[RoleLabel])
	}
	probe := strings.ToLower(name + " " + imageBase(image))
	for _, n := range loggingNames {
		if strings.Contains(probe, n) {
			return RoleLogging
		}
	}
	if strings.HasSuffix(name, "-service") {
		return RoleApp
	}
	for _, n := range infraNames {
		if strings.Contains(probe, n) {
			return RoleInfrastructure
		}
	}
	return RoleApp
}

// imageBase is the repository's last path element without tag: "bitnami/kafka:3" -> "kafka".
func imageBase(image string) string {
	if i := strings.LastIndexByte(image, '/'); i >= 0 {
		image = image[i+1:]
	}
	if i := strings.IndexAny(image, ":@"); i >= 0 {
		image = image[:i]
	}
	return image
}
