"""Coding framework and interview excerpts of the embedded example study.

Every excerpt was written for this project: invented, attributed to pseudonymous
peer workers of the synthetic study. The three themes are those the published study
reported (feeling valued, feeling empowered, feeling connected); the codes beneath them
and all wording are the project's own.
"""

THEMES = {
    "valued": "Feeling valued",
    "empowered": "Feeling empowered",
    "connected": "Feeling connected",
}

# code id: (theme id, name, description)
CODES = {
    "paid_for_experience": (
        "valued",
        "Paid for lived experience",
        "Being salaried for expertise that comes from one's own mental health history.",
    ),
    "staff_recognition": (
        "valued",
        "Recognition from staff",
        "Clinical colleagues noticing, asking for or praising the peer worker's contribution.",
    ),
    "thanks_from_people": (
        "valued",
        "Thanks from people supported",
        "Appreciation voiced by the people the peer worker supports.",
    ),
    "role_misunderstood": (
        "valued",
        "Role misunderstood",
        "Colleagues unsure what peer work is, or treating it as a lesser role.",
    ),
    "contract_worry": ("valued", "Contract worries", "Uncertainty about whether posts or contracts will continue."),
    "future_hopes": ("valued", "Hopes for future work", "Plans and ambitions for work after the current post."),
    "new_skills": ("empowered", "New skills", "Practical and interpersonal skills learnt on the job."),
    "training_value": (
        "empowered",
        "Value of training",
        "How the induction training and later courses prepared the worker.",
    ),
    "purpose": ("empowered", "Sense of purpose", "Work giving meaning, structure or direction to the worker's life."),
    "confidence": (
        "empowered",
        "Growing confidence",
        "Feeling more capable or self-assured than before taking the role.",
    ),
    "emotional_toll": ("empowered", "Emotional toll", "Distress, tiredness or old memories stirred up by the work."),
    "finding_balance": (
        "empowered",
        "Finding balance",
        "Adjusting caseload, boundaries or routines to keep the work manageable.",
    ),
    "peer_team": ("connected", "Peer team support", "Backing from fellow peer workers, formal or informal."),
    "supervision": ("connected", "Supervision", "What supervision sessions gave the worker."),
    "bond_with_people": (
        "connected",
        "Bond with people supported",
        "The relationship built with the people the worker supports.",
    ),
    "own_wellbeing": (
        "connected",
        "Own wellbeing",
        "Reflecting on or looking after one's own mental health through the work.",
    ),
    "family_friends": ("connected", "Family and friends", "Changes in relationships outside work."),
    "clinical_links": (
        "connected",
        "Links with clinical teams",
        "Communication and working relationships with ward and community teams.",
    ),
}

# (participant, timepoint, code ids, text)
EXCERPTS = [
    (
        "S1-PW01",
        "T1",
        ["paid_for_experience", "purpose"],
        "Getting a payslip for something I used to hide felt strange at first. Now it feels like proof that what I went through counts for something.",
    ),
    (
        "S1-PW01",
        "T2",
        ["emotional_toll", "supervision"],
        "One week three of the people I see had a bad time at once and I went home wrung out. My supervisor helped me pull it apart the next morning.",
    ),
    (
        "S1-PW01",
        "T3",
        ["contract_worry", "future_hopes"],
        "Nobody can tell us if the money carries on after March. I'd love to stay, but I've started looking at other jobs just in case.",
    ),
    (
        "S1-PW02",
        "T1",
        ["training_value", "confidence"],
        "The induction weeks were brilliant. By the end I actually believed I could sit with someone in crisis and not panic.",
    ),
    (
        "S1-PW02",
        "T2",
        ["role_misunderstood", "clinical_links"],
        "A nurse on the ward asked me if I was there to make the tea. It stung, but it also showed me we hadn't explained ourselves well enough.",
    ),
    (
        "S1-PW03",
        "T1",
        ["bond_with_people", "own_wellbeing"],
        "When he told me about the voices I recognised so much of it. Listening to him made me look at my own story again, in a kinder way.",
    ),
    (
        "S1-PW03",
        "T3",
        ["finding_balance", "confidence"],
        "I've learnt to say no to a fifth person on my list. A year ago I'd have said yes and then fallen apart.",
    ),
    (
        "S1-PW04",
        "T2",
        ["thanks_from_people"],
        "She sent a card after she moved into her flat. It's on my fridge. Days like that keep me going.",
    ),
    (
        "S1-PW05",
        "T1",
        ["peer_team", "training_value"],
        "Doing the training together meant we already trusted each other before we met anyone on the wards.",
    ),
    (
        "S2-PW01",
        "T1",
        ["purpose", "new_skills"],
        "I get up with a reason now. I'm learning how to plan a visit, how to write notes that make sense to the team, all of it.",
    ),
    (
        "S2-PW01",
        "T2",
        ["emotional_toll", "finding_balance"],
        "The first months were harder than I expected. I cut back to two visits a day for a while and that made the difference.",
    ),
    (
        "S2-PW01",
        "T3",
        ["staff_recognition", "clinical_links"],
        "The consultant now phones me directly when someone is about to go home. That never happened at the start.",
    ),
    (
        "S2-PW02",
        "T1",
        ["paid_for_experience", "confidence"],
        "Being on a proper contract, not bank, tells me the trust takes this seriously. I walk in differently because of it.",
    ),
    (
        "S2-PW02",
        "T3",
        ["contract_worry"],
        "The renewal letter came two weeks before the end date. Those two weeks were the worst of the year for me.",
    ),
    (
        "S2-PW03",
        "T2",
        ["supervision", "own_wellbeing"],
        "Supervision is where I notice my own warning signs. Saying them out loud to someone who gets it stops them growing.",
    ),
    (
        "S2-PW03",
        "T3",
        ["family_friends", "confidence"],
        "My sister says I talk more at family meals now. I think I've just got used to being listened to.",
    ),
    (
        "S2-PW04",
        "T1",
        ["bond_with_people"],
        "We sat on a bench outside the shop for an hour. Nothing clinical happened, but he said it was the first normal afternoon he'd had in months.",
    ),
    (
        "S2-PW04",
        "T2",
        ["role_misunderstood", "staff_recognition"],
        "Some staff still see us as volunteers. Others ask for us by name. It depends completely on which ward you walk onto.",
    ),
    (
        "S2-PW05",
        "T2",
        ["peer_team", "emotional_toll"],
        "After a man I'd been seeing stopped answering, I rang another peer worker from the car park. She just let me talk.",
    ),
    (
        "S2-PW05",
        "T3",
        ["future_hopes", "new_skills"],
        "I've applied for a course in counselling. I wouldn't have dreamed of it before this job.",
    ),
    (
        "S2-PW06",
        "T1",
        ["thanks_from_people", "purpose"],
        "A lady's daughter thanked me at the door. I drove home grinning. That's the bit no one warns you about.",
    ),
    (
        "S2-PW07",
        "T3",
        ["clinical_links", "role_misunderstood"],
        "We still don't get invited to the team meetings on the community side, so I hear about changes second hand.",
    ),
    (
        "S3-PW01",
        "T1",
        ["training_value"],
        "The role-play sessions in training felt silly, but the first real visit went exactly like one of them.",
    ),
    (
        "S3-PW01",
        "T2",
        ["finding_balance", "supervision"],
        "My supervisor suggested I stop checking messages in the evening. Simple, but I'd never given myself permission.",
    ),
    (
        "S3-PW02",
        "T1",
        ["own_wellbeing", "purpose"],
        "There's a risk I give too much. But there's also this feeling that my bad years weren't wasted.",
    ),
    (
        "S3-PW02",
        "T3",
        ["contract_worry", "paid_for_experience"],
        "The pay is fair for the hours. What worries me is that the hours might disappear.",
    ),
    (
        "S3-PW03",
        "T2",
        ["bond_with_people", "emotional_toll"],
        "When someone you've got close to goes back into hospital it hits you personally, even though you know it's not your fault.",
    ),
    (
        "S3-PW03",
        "T3",
        ["peer_team", "family_friends"],
        "The other peer workers are mates now. We meet up outside work, and my partner says I'm calmer.",
    ),
    ("S3-PW04", "T1", ["confidence", "new_skills"], "I chaired a small group last week. Me, chairing something."),
    (
        "S3-PW05",
        "T2",
        ["staff_recognition", "thanks_from_people"],
        "The ward manager mentioned our work at the trust awards. People I support clapped louder than anyone.",
    ),
    (
        "S3-PW06",
        "T3",
        ["future_hopes", "training_value"],
        "I'd like more training in working with families. The basics were good; I want the next step.",
    ),
    (
        "S4-PW01",
        "T1",
        ["purpose", "paid_for_experience"],
        "It's a job, with a badge and a rota. For years nobody thought I'd manage any of that.",
    ),
    (
        "S4-PW01",
        "T3",
        ["finding_balance", "own_wellbeing"],
        "I plan a quiet day after any heavy visit now. My mood stays steadier than it did in the spring.",
    ),
    (
        "S4-PW02",
        "T1",
        ["bond_with_people", "confidence"],
        "I was nervous meeting her, but we found we liked the same music and the rest followed from that.",
    ),
    (
        "S4-PW02",
        "T2",
        ["emotional_toll", "peer_team"],
        "Around the third month I felt flat and wondered if I'd made a mistake. The team noticed before I said anything.",
    ),
    (
        "S4-PW02",
        "T3",
        ["clinical_links", "staff_recognition"],
        "A psychologist asked me to co-run a session with her. It felt like the two sides had finally met in the middle.",
    ),
    (
        "S4-PW03",
        "T2",
        ["supervision"],
        "Supervision isn't a tick box here. We go through what went well, not only what went wrong.",
    ),
    (
        "S4-PW03",
        "T3",
        ["contract_worry", "future_hopes"],
        "I keep hoping they'll make the posts permanent. Meanwhile I'm building up a portfolio so I'm ready either way.",
    ),
    (
        "S4-PW04",
        "T1",
        ["training_value", "peer_team"],
        "Training with people who'd been through similar things meant nobody had to pretend.",
    ),
    (
        "S4-PW05",
        "T2",
        ["family_friends", "own_wellbeing"],
        "I rang my dad for the first time in ages to tell him about the job. That call meant a lot to both of us.",
    ),
    (
        "S5-PW01",
        "T1",
        ["new_skills", "clinical_links"],
        "I'm learning the language the wards use, discharge plans and all that, so I can speak up in the right way.",
    ),
    (
        "S5-PW01",
        "T3",
        ["role_misunderstood", "contract_worry"],
        "Being the only peer worker at this site, I sometimes feel like an experiment someone could switch off.",
    ),
    (
        "S5-PW02",
        "T2",
        ["thanks_from_people", "bond_with_people"],
        "He said I was the only person who didn't talk down to him. I've thought about that a lot.",
    ),
    ("S5-PW02", "T3", ["purpose", "confidence"], "A year in, I see myself as a worker first. That's new."),
    (
        "S5-PW03",
        "T1",
        ["emotional_toll", "own_wellbeing"],
        "Hearing other people's stories brought some of my own back. I'm using my coping plan more than I expected.",
    ),
    (
        "S6-PW01",
        "T1",
        ["paid_for_experience", "thanks_from_people"],
        "The wage matters, I won't pretend otherwise. But a message from someone saying they made it to their appointment matters more.",
    ),
    (
        "S6-PW01",
        "T2",
        ["finding_balance", "emotional_toll"],
        "I was taking the work home in my head. Now I write a few lines at the end of the day and leave it in the notebook.",
    ),
    (
        "S6-PW02",
        "T2",
        ["peer_team", "supervision"],
        "Our Friday catch-ups are half supervision, half a laugh. Both parts are needed.",
    ),
    (
        "S6-PW02",
        "T3",
        ["clinical_links"],
        "Handover with the community team is still patchy. Sometimes I find out someone has been discharged after the fact.",
    ),
    (
        "S6-PW03",
        "T3",
        ["family_friends", "purpose"],
        "My kids tell their friends what I do. Having a job I can explain proudly has changed things at home.",
    ),
    (
        "S7-PW01",
        "T1",
        ["training_value", "new_skills"],
        "We practised writing boundaries into our first conversations. I use that script every week.",
    ),
    (
        "S7-PW01",
        "T3",
        ["future_hopes", "staff_recognition"],
        "My manager has put me forward for a senior peer role. It shows they see a path for people like me.",
    ),
    (
        "S7-PW02",
        "T2",
        ["bond_with_people", "own_wellbeing"],
        "Walking alongside someone through their first weeks at home reminds me how far I've come myself.",
    ),
    (
        "S7-PW02",
        "T3",
        ["contract_worry", "emotional_toll"],
        "The uncertainty about funding drains me more than any visit does.",
    ),
    (
        "S7-PW03",
        "T1",
        ["role_misunderstood", "clinical_links"],
        "On my second day a doctor asked who had let me onto the ward. We laughed about it later, but it shook me.",
    ),
    (
        "S7-PW03",
        "T2",
        ["confidence", "staff_recognition"],
        "The same doctor now asks what I think before a review. It took a few months, but it came.",
    ),
    (
        "S2-PW06",
        "T3",
        ["peer_team", "finding_balance"],
        "We cover for each other when one of us is struggling. Nobody has to explain why.",
    ),
    (
        "S3-PW05",
        "T3",
        ["new_skills", "future_hopes"],
        "I can run a group, keep notes and handle a difficult phone call. Those are skills I can take anywhere.",
    ),
    (
        "S1-PW04",
        "T3",
        ["purpose", "bond_with_people"],
        "Seeing someone go from not opening the door to meeting me at the café is why I do this.",
    ),
    (
        "S4-PW05",
        "T3",
        ["paid_for_experience", "contract_worry"],
        "Being paid properly made me feel valued. Being told the contract is under review undoes a bit of that.",
    ),
]
