"""The embedded example study: its generator (:mod:`peerimpact.example.generator`, run by
``peerimpact synth``), the search that calibrates its questionnaire scores to the published
figures (:mod:`peerimpact.example.calibration`) and its invented interviews
(:mod:`peerimpact.example.interviews`)."""
