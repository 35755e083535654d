/*
 * onboarding.h — what a new subscriber starts with (R-SUB-1a), and the
 * wiring of the subscription layer into the layers below it.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_ONBOARDING_H
#define OB_MODEL_SUBSCRIPTIONS_ONBOARDING_H

/* Register, once at start-up and before any thread, what the layers below
 * call back: a new subscriber's trial (model/parties). Every program that
 * creates subscribers calls it (src/main.c, the fuzzer, unit tests). */
void ob_subscriptions_init(void);

#endif
