# Sourced by the deploy checks: supervisord_conf WORK FILES writes WORK/supervisord.conf, a private
# supervisord (its socket, log and pid file in WORK) that runs the program configs FILES names
# (a path or a glob, expanded by supervisord).
supervisord_conf() {
  cat > "$1/supervisord.conf" <<CONF
[unix_http_server]
file=$1/supervisor.sock
[supervisord]
logfile=$1/supervisord.log
pidfile=$1/supervisord.pid
nodaemon=false
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$1/supervisor.sock
[include]
files=$2
CONF
}
