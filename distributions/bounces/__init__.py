"""Reading what comes back after the send: VERP return paths, delivery status
notifications (DSNs) and spam complaints, the bounce mailbox. Pure parsing and
addressing; recording a report is distributions.services.bounces' job."""
