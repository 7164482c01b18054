/* routing.c - SIP call routing of the intercom gateway */
#include <string.h>
#include "routing.h"

/* Returns 1 when the destination is an international number (E.164 with a foreign country code). */
int is_international(const char *destination, const char *home_cc)
{
    if (destination[0] != '+')
        return 0;
    return strncmp(destination + 1, home_cc, strlen(home_cc)) != 0;
}

int route_call(const call_t *call, route_t *out)
{
    if (is_international(call->destination, "86")) {
        out->trunk = TRUNK_INTERNATIONAL;
        out->prefix = "00";
    } else {
        out->trunk = TRUNK_LOCAL;
        out->prefix = "";
    }
    strncpy(out->destination, call->destination, sizeof(out->destination) - 1);
    return 0;
}
