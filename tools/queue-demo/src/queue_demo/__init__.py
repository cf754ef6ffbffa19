"""A command-line demo of how SQS standard and FIFO queues differ, for the practical."""
