# Sourced by the remote-cache tests: nginx (Debian nginx-light, whose WebDAV
# module accepts PUT) serving one root that requires a bearer token.

# Installs nginx-light if missing; sets nginx_bin.
ensure_nginx() {
  if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    echo "installing nginx-light (Debian) for the remote-cache tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >&2
  fi
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
}

# Writes WORK/nginx/nginx.conf: root WORK/www, token TOKEN, EXTRA directives in
# the location (e.g. a rate limit), one server per PORT[:CERT] (CERT: a name
# in WORK/certs, served with TLS; none: plain http).
# Usage: remote_nginx_conf WORK TOKEN EXTRA PORT[:CERT]...
remote_nginx_conf() {
  local work=$1 token=$2 extra=$3 spec port cert listen
  shift 3
  mkdir -p "$work/www" "$work/nginx"
  {
    cat <<CONF
user root;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  client_max_body_size 0;
  keepalive_requests 100000;
CONF
    for spec in "$@"; do
      port=${spec%%:*}; cert=""
      [[ $spec == *:* ]] && cert=${spec#*:}
      listen="listen 127.0.0.1:$port;"
      [[ -n $cert ]] && listen="listen 127.0.0.1:$port ssl; ssl_certificate $work/certs/$cert.pem; ssl_certificate_key $work/certs/$cert.key;"
      cat <<CONF
  server {
    $listen
    location / {
      root $work/www;
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      if (\$http_authorization != "Bearer $token") { return 401; }
      $extra
    }
  }
CONF
    done
    echo "}"
  } > "$work/nginx/nginx.conf"
}
