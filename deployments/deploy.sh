#!/usr/bin/env bash
# Deploy and operate the naramarket stack (deployments/compose.yaml) on one host.
#
#   ENV=prod ./deploy.sh deploy     build the image, start or update every service, wait until healthy
#   ./deploy.sh status              services and their health
#   ./deploy.sh logs [SERVICE]      follow logs (all services, or one: naramarket-1, nginx, ...)
#   ./deploy.sh restart [SERVICE]   restart one service, or the replicas one at a time (no downtime)
#   ./deploy.sh health              readiness through nginx, and each replica's
#   ./deploy.sh down                stop and remove the containers (volumes are kept)
#
# ENV picks the settings file env/$ENV.env (dev, staging, prod; default dev). Secrets come only from
# the environment (NARAMARKET_SERVICE_KEY, NARAMARKET_METRICS_TOKEN) or from files: a variable
# NAME_FILE=path is read into NAME, and secrets/grafana_admin_password holds Grafana's password.
set -euo pipefail
cd "$(dirname "$0")"

ENV=${ENV:-dev}
PROJECT=${COMPOSE_PROJECT_NAME:-naramarket}
HTTP_PORT=${NARAMARKET_HTTP_PORT:-8080}
REPLICAS=(naramarket-1 naramarket-2)

die() { echo "deploy.sh: $*" >&2; exit 1; }

[[ -f "env/$ENV.env" ]] || die "no settings file env/$ENV.env (use ENV=dev|staging|prod)"
export NARAMARKET_ENV_FILE="env/$ENV.env"

# NAME_FILE=/path -> NAME=<contents>, so secrets can live in files (Docker/Kubernetes secrets, vaults).
for name in NARAMARKET_SERVICE_KEY NARAMARKET_METRICS_TOKEN; do
    file_var="${name}_FILE"
    if [[ -n "${!file_var:-}" ]]; then
        [[ -r "${!file_var}" ]] || die "$file_var=${!file_var} is not readable"
        export "$name"="$(<"${!file_var}")"
    fi
done

compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose -p "$PROJECT" -f compose.yaml "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        docker-compose -p "$PROJECT" -f compose.yaml "$@"
    else
        die "needs Docker Compose (docker compose plugin or docker-compose)"
    fi
}

check_settings() {
    if [[ "$ENV" != dev ]] && [[ -z "${NARAMARKET_SERVICE_KEY:-}" ]]; then
        die "ENV=$ENV needs NARAMARKET_SERVICE_KEY (or NARAMARKET_SERVICE_KEY_FILE) in the environment"
    fi
    if [[ ! -s secrets/grafana_admin_password ]]; then
        mkdir -p secrets
        (umask 077 && head -c 24 /dev/urandom | base64 >secrets/grafana_admin_password)
        echo "deploy.sh: generated secrets/grafana_admin_password (Grafana user admin)" >&2
    fi
}

# Wait until a container reports healthy (the image's HEALTHCHECK on /api/v1/health/ready).
wait_healthy() {
    local service=$1 id state
    for _ in $(seq 1 60); do
        id=$(compose ps -q "$service")
        state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || true)
        [[ "$state" == healthy ]] && return 0
        sleep 2
    done
    die "$service is not healthy (last state: ${state:-unknown}); see ./deploy.sh logs $service"
}

health() {
    local url="http://127.0.0.1:$HTTP_PORT/api/v1/health/ready"
    echo "through nginx: $(curl -fsS --max-time 5 "$url" || echo unreachable)"
    for replica in "${REPLICAS[@]}"; do
        echo "$replica: $(compose exec -T "$replica" python -c \
            "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health/ready', timeout=3).read().decode())" \
            2>/dev/null || echo unhealthy)"
    done
}

case "${1:-}" in
    deploy)
        check_settings
        compose build
        compose up -d --remove-orphans redis prometheus grafana jaeger
        # Replicas one at a time: nginx sends traffic to the other while one restarts.
        for replica in "${REPLICAS[@]}"; do
            compose up -d --no-deps "$replica"
            wait_healthy "$replica"
        done
        compose up -d nginx
        health
        ;;
    status)
        compose ps
        ;;
    logs)
        shift
        compose logs -f --tail=200 "$@"
        ;;
    restart)
        shift
        if [[ $# -gt 0 ]]; then
            compose restart "$@"
        else
            for replica in "${REPLICAS[@]}"; do
                compose restart "$replica"
                wait_healthy "$replica"
            done
        fi
        ;;
    health)
        health
        ;;
    down)
        compose down
        ;;
    *)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
