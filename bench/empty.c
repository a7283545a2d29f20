/* SPDX-License-Identifier: Apache-2.0 */
/* Baseline for start-up time: a program that does nothing. */
int main(void)
{
	return 0;
}
