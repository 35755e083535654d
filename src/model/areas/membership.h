/*
 * membership.h — what ends in the areas layer when a membership ends, and
 * the wiring of the layer into the layers below it.
 */
#ifndef OB_MODEL_AREAS_MEMBERSHIP_H
#define OB_MODEL_AREAS_MEMBERSHIP_H

/* Register, once at start-up and before any thread, what the layers below
 * call back: the end of a membership (model/identity/member.c). Every
 * program that removes members calls it (src/main.c, the fuzzer). */
void ob_areas_init(void);

#endif
