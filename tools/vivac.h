/* The `vivac` command: shared declarations of its subcommands. */
#ifndef VIVAC_TOOLS_VIVAC_H
#define VIVAC_TOOLS_VIVAC_H

/* `vivac run [--engine E] [--socket PATH] -- CMD [ARGS...]` (vivac_run.c). */
int vivac_cmd_run(int argc, char **argv);
/* `vivac replay FILE... [OPTIONS]` (vivac_replay.c). */
int vivac_cmd_replay(int argc, char **argv);
/* `vivac info [--socket PATH]` (vivac_info.c). */
int vivac_cmd_info(int argc, char **argv);

/* `vivac set CLASS KEY=VALUE[,...] [--admin PATH]` (vivac_set.c). */
int vivac_cmd_set(int argc, char **argv);
int vivac_cmd_reload(int argc, char **argv);
/* `vivac top [--admin PATH | --metrics SPEC] [--interval S] [--once]`
 * (vivac_top.c). */
int vivac_cmd_top(int argc, char **argv);

/* The socket a client uses by default: $VIVAC_SOCKET, else the build's
 * default. */
const char *vivac_default_socket(void);

#endif
