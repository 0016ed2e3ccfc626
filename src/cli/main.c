/*
 * main.c - placeholder entry point until the CLI module lands.
 */
#include "core/common.h"

int main(void)
{
	return 0;
}
