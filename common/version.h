#ifndef HERD_VERSION_H
#define HERD_VERSION_H
#define HERD_VERSION "0.1.0"
#endif
